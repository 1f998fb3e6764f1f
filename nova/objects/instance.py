"""The instance: the guest the compute driver defines and starts.

Only what the libvirt driver uses: its UUID, the name libvirt knows it by,
and optionally the flavor it was built from.
"""

from __future__ import annotations

from nova.objects import base
from nova.objects import fields


@base.NovaObjectRegistry.register
class Instance(base.NovaObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'uuid': fields.UUIDField(),
        # The libvirt domain name (Nova derives it from
        # [DEFAULT]instance_name_template, e.g. instance-0000002a).
        'name': fields.StringField(),
        'display_name': fields.StringField(nullable=True),
        'flavor': fields.ObjectField('Flavor', nullable=True),
    }
