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
