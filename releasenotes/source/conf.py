project = 'nova-maxphysaddr release notes'
extensions = ['reno.sphinxext']
html_theme = 'alabaster'
