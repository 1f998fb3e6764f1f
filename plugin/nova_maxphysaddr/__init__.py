"""nova-maxphysaddr: libvirt maxphysaddr support that works.

``nova_maxphysaddr.rules`` holds the feature's rules, free of Nova: the
nova-maxphysaddr tree (a slice of Nova) and this plugin for upstream Nova
both use them, so the two cannot disagree.
"""
