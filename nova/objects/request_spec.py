"""The boot request as the scheduler sees it."""

from __future__ import annotations

from nova.objects import base
from nova.objects import fields


@base.NovaObjectRegistry.register
class RequestSpec(base.NovaObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'instance_uuid': fields.UUIDField(nullable=True),
        'flavor': fields.ObjectField('Flavor'),
        'image': fields.ObjectField('ImageMeta', nullable=True),
        'num_instances': fields.NonNegativeIntegerField(default=1),
        'availability_zone': fields.StringField(nullable=True),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault('num_instances', 1)
        kwargs.setdefault('image', None)
        kwargs.setdefault('instance_uuid', None)
        kwargs.setdefault('availability_zone', None)
        super().__init__(*args, **kwargs)
