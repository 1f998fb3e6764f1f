"""Sphinx configuration for the release notes (reno).

``unreleased_notes`` (beside this file) wraps reno's ``release-notes``
directive so that notes committed before the first tag are titled as the
unreleased series instead of reno's placeholder version ``0.0.0``.
"""

import os
import sys

sys.path.insert(0, os.path.abspath('.'))

project = 'nova-maxphysaddr release notes'
extensions = ['unreleased_notes']
html_theme = 'alabaster'
