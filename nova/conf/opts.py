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

"""The options ``oslo-config-generator`` documents (``nova.conf`` namespace).

Each module under ``nova/conf`` that defines options has a ``list_opts()``;
this gathers them into the list of ``(group, options)`` pairs the generator
expects.
"""

from __future__ import annotations

from oslo_config import cfg

from nova.conf import libvirt

_OPT_MODULES = (libvirt,)


def list_opts() -> list[tuple[cfg.OptGroup, list[cfg.Opt]]]:
    pairs = []
    for module in _OPT_MODULES:
        for group, opts in module.list_opts().items():
            pairs.append((group, opts))
    return pairs
