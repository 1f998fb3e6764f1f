import os
import sys

sys.path.insert(0, os.path.abspath('../ext'))
sys.path.insert(0, os.path.abspath('../..'))

project = 'nova-maxphysaddr'
copyright = 'nova-maxphysaddr developers'
extensions = ['extra_specs', 'cli_help']
exclude_patterns = []
html_theme = 'alabaster'
