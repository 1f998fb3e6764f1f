"""Nova's configuration: one global ``CONF`` with every option registered.

Importing this package registers the options, so callers only ever write
``from nova.conf import CONF`` (through ``import nova.conf``) and never
register options themselves.
"""

from oslo_config import cfg

from nova.conf import libvirt

CONF = cfg.CONF

libvirt.register_opts(CONF)
