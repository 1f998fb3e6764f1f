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

"""The boot request as the scheduler sees it."""

from __future__ import annotations

from typing import Any

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

    # ``change_stamp``: a new object each time an attribute of the spec is
    # set or deleted (a field, or oslo's own bookkeeping), never one seen
    # before.  What is derived from a spec (each scheduler filter parses it
    # once per request) is still valid while its stamp is the same object:
    # one identity comparison per host instead of three.  The flavor and
    # image are objects of their own: giving the spec another one changes
    # the stamp; changing one in place does not.

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        object.__setattr__(self, 'change_stamp', object())

    def __delattr__(self, name: str) -> None:
        super().__delattr__(name)
        object.__setattr__(self, 'change_stamp', object())
