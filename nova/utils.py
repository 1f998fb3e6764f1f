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

"""Small helpers shared across the tree."""

from __future__ import annotations

# libvirt encodes versions as major * 1,000,000 + minor * 1,000 + micro.
VERSION_PART = 1000


def version_to_str(version: int | tuple[int, ...]) -> str:
    """'9.0.0' from libvirt's encoding 9000000 or from ``(9, 0, 0)``.

    Always three parts: oslo.utils' converter drops leading zero parts
    (8 -> '8', 0 -> ''), which version predicates then misread.
    """
    if isinstance(version, tuple):
        return '.'.join(str(part) for part in version)
    return '%d.%d.%d' % (version // VERSION_PART ** 2,
                         version // VERSION_PART % VERSION_PART,
                         version % VERSION_PART)
