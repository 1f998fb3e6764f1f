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

"""The guest a request asks for, from what upstream Nova hands the plugin.

The scheduler filters and the API filter both come here, so a boot gets one
verdict at the API and in the scheduler: the shared rules applied to the
flavor's RAM and extra specs and the image's properties.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nova_maxphysaddr.rules import request
from nova_maxphysaddr.rules import sizing

IMAGE_MACHINE_TYPE_KEY = 'hw_machine_type'


def layout(memory_mb: int, props: request.Properties | None
           ) -> sizing.GuestLayout:
    """The guest's memory map as far as the API and scheduler know it.

    The machine type is the image's ``hw_machine_type``; without it the
    compute node's ``[libvirt]hw_machine_type`` decides, which API and
    scheduler hosts need not share, so every family the rule knows is
    assumed and the largest width counts (never an under-estimate).
    """
    machine_type = None if props is None else props.get(
        IMAGE_MACHINE_TYPE_KEY)
    return sizing.GuestLayout(int(memory_mb),
                              None if machine_type is None
                              else str(machine_type))


def resolve(memory_mb: int, extra_specs: Mapping[str, Any] | None,
            props: request.Properties | None
            ) -> request.MaxPhysAddrRequest | None:
    """The guest's maxphysaddr request, or None when nothing asks for one.

    :raises nova_maxphysaddr.rules.errors.RuleError: why it can never boot
    """
    return request.resolve(extra_specs or {}, props,
                           lambda: layout(memory_mb, props))
