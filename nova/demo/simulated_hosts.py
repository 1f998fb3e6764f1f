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

"""Compute hosts described by their capabilities, for the main job.

One machine can run only one real compute host.  To show what the scheduler
does across a cloud, the main job adds hosts that exist only as what their
libvirt would answer: a real ``virsh capabilities`` document (or one
modelled on it) and versions.  They run through the very same ``Host`` and
``LibvirtDriver`` code as the real host; they just cannot start guests.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from nova import exception
from nova.virt.libvirt import host as libvirt_host

HOSTS_DIR = os.path.join(os.path.dirname(__file__), 'demo_hosts')
SIMULATED_MEMORY_MB = 4 * 1024 * 1024
SIMULATED_CPUS = 64

LIBVIRT_9_0 = 9000000
QEMU_7_2 = 7002000
LIBVIRT_8_0 = 8000000
QEMU_6_2 = 6002000


@dataclasses.dataclass(frozen=True)
class HostDescription:
    name: str
    capabilities_file: str
    libversion: int
    qemu_version: int
    summary: str


SIMULATED_HOSTS = (
    HostDescription('intel-39', 'intel-39.xml', LIBVIRT_9_0, QEMU_7_2,
                    'Intel client CPU, 39 address bits'),
    HostDescription('intel-46', 'intel-46.xml', LIBVIRT_9_0, QEMU_7_2,
                    'Intel Xeon, 46 address bits'),
    HostDescription('amd-48', 'amd-48.xml', LIBVIRT_9_0, QEMU_7_2,
                    'AMD EPYC, 48 address bits (real capture)'),
    HostDescription('amd-52', 'amd-52.xml', LIBVIRT_9_0, QEMU_7_2,
                    'AMD EPYC, 52 address bits'),
    HostDescription('arm-altra', 'aarch64.xml', LIBVIRT_9_0, QEMU_7_2,
                    'aarch64: libvirt reports no width'),
    HostDescription('old-libvirt', 'intel-libvirt-8.0.xml', LIBVIRT_8_0,
                    QEMU_6_2, 'libvirt 8.0: no <maxphysaddr> support'),
)


class StaticConnection:
    """The read-only part of ``virConnect`` the compute host reports from."""

    def __init__(self, description: HostDescription) -> None:
        self._description = description
        with open(os.path.join(HOSTS_DIR,
                               description.capabilities_file)) as f:
            self._capabilities = f.read()

    def getCapabilities(self) -> str:
        return self._capabilities

    def getLibVersion(self) -> int:
        return self._description.libversion

    def getVersion(self) -> int:
        return self._description.qemu_version

    def getType(self) -> str:
        return 'QEMU'

    def getHostname(self) -> str:
        return self._description.name

    def getInfo(self) -> list[Any]:
        # virNodeGetInfo: model, MiB, cpus, MHz, nodes, sockets, cores,
        # threads
        return ['x86_64', SIMULATED_MEMORY_MB, SIMULATED_CPUS, 2000, 1, 1,
                SIMULATED_CPUS, 1]

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise exception.HypervisorUnavailable(
            uri='simulated://%s' % self._description.name,
            reason='the host is simulated: it cannot run guests')

    defineXML = lookupByUUIDString = _refuse

    def close(self) -> int:
        return 0


class SimulatedHost(libvirt_host.Host):
    """A ``Host`` whose connection is a :class:`StaticConnection`."""

    def __init__(self, description: HostDescription) -> None:
        super().__init__(uri='simulated://%s' % description.name)
        self.description = description
        self._static = StaticConnection(description)

    def get_connection(self) -> StaticConnection:
        return self._static
