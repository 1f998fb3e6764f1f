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

"""The flavor: the size of a guest, and the extra specs that shape it."""

from __future__ import annotations

from nova.objects import base
from nova.objects import fields


@base.NovaObjectRegistry.register
class Flavor(base.NovaObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(nullable=True),
        'flavorid': fields.StringField(nullable=True),
        'name': fields.StringField(nullable=True),
        'memory_mb': fields.NonNegativeIntegerField(),
        'vcpus': fields.NonNegativeIntegerField(),
        'root_gb': fields.NonNegativeIntegerField(default=0),
        'ephemeral_gb': fields.NonNegativeIntegerField(default=0),
        'swap': fields.NonNegativeIntegerField(default=0),
        # Values stay as given (None included) so that the validators, not
        # the field's string coercion, give the verdict on them.
        'extra_specs': fields.DictOfNullableStringsField(default={}),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ('root_gb', 'ephemeral_gb', 'swap', 'extra_specs'):
            if not self.obj_attr_is_set(name):
                setattr(self, name, self.fields[name].default)
        self.obj_reset_changes()
