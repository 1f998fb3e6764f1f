"""Sphinx configuration for the nova-maxphysaddr documentation.

The extensions in ``doc/ext`` render pages from the code itself: the extra
spec reference from the API's validators (``extra_specs``), the CLI
reference from the cliff parsers (``cli_help``), and the figures and tables
of the operator guide from the sizing rule and recorded QEMU runs
(``maxphysaddr_figures``).  ``oslo_config.sphinxext`` documents the
``[libvirt]`` options from the ``nova.conf`` namespace that ``setup.cfg``
registers (the package must be installed, as ``tools/bootstrap.sh`` does).
"""

import os
import sys

sys.path.insert(0, os.path.abspath('../ext'))
sys.path.insert(0, os.path.abspath('../..'))

project = 'nova-maxphysaddr'
copyright = 'nova-maxphysaddr developers'
extensions = [
    'extra_specs',
    'cli_help',
    'maxphysaddr_figures',
    'oslo_config.sphinxext',
]
exclude_patterns = []
html_theme = 'alabaster'
