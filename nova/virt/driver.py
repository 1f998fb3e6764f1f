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

"""The compute driver interface, and how driver capabilities become traits.

A driver describes what its host can do in ``capabilities``; the compute
service reports each mapped capability to Placement as a trait on the
compute node, so the scheduler can require it (``ResourceRequest`` turns
``hw:maxphysaddr_mode`` into ``COMPUTE_ADDRESS_SPACE_*``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nova_maxphysaddr.rules import values

# The driver capability that says a host can honour each maxphysaddr mode
# (Nova's names).
MODE_CAPABILITIES = {
    values.EMULATE: 'supports_address_space_emulated',
    values.PASSTHROUGH: 'supports_address_space_passthrough',
}
# Driver capability -> the trait that advertises it (the rules' os-traits
# names: Placement refuses traits it does not know).
CAPABILITY_TRAITS_MAP = {
    MODE_CAPABILITIES[mode]: trait
    for mode, trait in values.MODE_TRAITS.items()}


class ComputeDriver:
    """What the compute service needs from a hypervisor driver."""

    # Every capability is False until a driver says otherwise.
    capabilities: dict[str, bool] = {
        name: False for name in CAPABILITY_TRAITS_MAP}

    def capabilities_as_traits(self) -> dict[str, bool]:
        """Each mapped trait -> whether this host has the capability.

        False entries matter too: the compute service removes those traits
        from the node, so a host that lost a capability stops attracting
        instances that need it.
        """
        capabilities = self.capabilities
        return {trait: bool(capabilities.get(name, False))
                for name, trait in CAPABILITY_TRAITS_MAP.items()}

    def init_host(self, host: str) -> None:
        """Check the configuration and the hypervisor before serving."""
        raise NotImplementedError()

    def get_available_resource(self, nodename: str | None = None
                               ) -> dict[str, Any]:
        """The compute node record: resources, cpu_info, hypervisor."""
        raise NotImplementedError()

    def spawn(self, instance: Any, image_meta: Any, flavor: Any) -> None:
        """Create and start the guest."""
        raise NotImplementedError()

    def destroy(self, instance: Any) -> None:
        """Stop and remove the guest; nothing to do if it does not exist."""
        raise NotImplementedError()

    def check_can_migrate_destination(self, instance: Any, image_meta: Any,
                                      flavor: Any = None) -> Any:
        """On the destination of a cold migration or resize (``flavor`` is
        the new one): raise ``MigrationPreCheckError`` if this host cannot
        run the guest."""
        raise NotImplementedError()

    def check_can_live_migrate_destination(
            self, instance: Any, image_meta: Any,
            src_compute_info: Mapping[str, Any]) -> Any:
        """On the destination of a live migration: raise
        ``MigrationPreCheckError`` if the running guest cannot move here
        unchanged."""
        raise NotImplementedError()
