# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

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
