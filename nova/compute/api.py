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

"""What Nova's compute API checks when a server is created: the flavor's
extra specs, the image's properties, and the maxphysaddr request the two
resolve to.  One function, used by the boot walk-through and by the
operator tools, so that ``check`` and ``boot`` cannot disagree."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from nova.api.validation.extra_specs import validators
from nova import objects
from nova.virt import hardware


@dataclasses.dataclass(frozen=True)
class BootRequest:
    """A boot request the API accepted."""

    image: Any
    """The ``ImageMeta`` the image properties make."""
    maxphysaddr: hardware.MaxPhysAddrRequest | None
    not_checked: list[str]
    """Extra specs Nova validates that this tree does not."""


def validate_boot_request(flavor: Any, image_props: Mapping[str, Any]
                          ) -> BootRequest:
    """Check a boot request as the API does (HTTP 400 on refusal).

    :raises Invalid: ValidationError, InvalidImageProperty,
        FlavorImageConflict, InvalidMaxPhysAddrRequest,
        MaxPhysAddrBitsTooSmall
    """
    not_checked = validators.validate_all(flavor.extra_specs)
    image = objects.ImageMeta.from_dict(
        {'name': 'image', 'properties': dict(image_props)})
    return BootRequest(image,
                       hardware.get_maxphysaddr_request(flavor, image),
                       not_checked)
