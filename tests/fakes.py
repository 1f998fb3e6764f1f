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

"""Builders and data shared by every test: flavors, images, request specs,
compute node records and host states, capability fixtures, hostile values.

One place, so that a flavor means the same thing in a unit test, a
functional test and an end-to-end test.
"""

from __future__ import annotations

import json
import os
from typing import Any

from lxml import etree

from nova import objects
from nova.scheduler import host_manager

objects.register_all()

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        'fixtures')

# Host capabilities documents in tests/fixtures.
AMD_48 = 'host-capabilities-amd-x86_64-48bit-libvirt-9.0.xml'
INTEL_39 = 'host-capabilities-intel-x86_64-39bit-libvirt-9.0.xml'
INTEL_46 = 'host-capabilities-intel-x86_64-46bit-libvirt-9.0.xml'
NO_ELEMENT = 'host-capabilities-intel-x86_64-no-maxphysaddr-libvirt-8.0.xml'
AARCH64 = 'host-capabilities-aarch64-libvirt-9.0.xml'
PASSTHROUGH_LIMIT = ('host-capabilities-x86_64-maxphysaddr-passthrough-'
                     'limit.xml')
JUNK_BITS_CAPS = 'host-capabilities-x86_64-maxphysaddr-junk-bits.xml'
NO_MODE = 'host-capabilities-x86_64-maxphysaddr-no-mode.xml'

MiB_PER_GiB = 1024
MiB_PER_TiB = 1024 * 1024
LARGE_MB = 1536 * MiB_PER_GiB  # 1.5 TiB: the guest the feature exists for
UUID = '2b1e6a3c-0f25-4bb0-9c8e-7d8e1f6a9e11'

# Values that look like an integer to a lenient parser but are not one.
BAD_BITS = ['', ' 42', '42 ', '42.0', '4_2', '0x2a', '1e1', '\uff14\uff12',
            '-1', '0', '31', '53', '9' * 30, '99999999999999999999', '+42',
            '042', True, False, 42.0, None, [], {}]
BAD_MODES = ['EMULATE', 'Emulate', ' emulate', 'emulate ', 'bogus', '',
             'PASSTHROUGH', True, None, 1, 1.0]
# Host width values that are not a usable width: the filters must treat
# every one as unknown (fail closed) and never raise.
JUNK_BITS = [None, 'abc', '', -1, 0, 65, True, False, 48.0, '48.0', ' 48',
             [48], {'bits': 48}, '4_8']


def fixture(name: str) -> str:
    """A document from tests/fixtures, as text."""
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


# --- flavors, images, instances, request specs -------------------------------

def flavor(memory_mb: int = 2048, vcpus: int = 2, root_gb: int = 1,
           **extra_specs: Any) -> objects.Flavor:
    return objects.Flavor(memory_mb=memory_mb, vcpus=vcpus, root_gb=root_gb,
                          extra_specs=extra_specs)


def emulate(bits: int | str, memory_mb: int = 2048,
            **extra_specs: Any) -> objects.Flavor:
    """A flavor asking for ``hw:maxphysaddr_mode=emulate`` and ``bits``."""
    return flavor(memory_mb, **{'hw:maxphysaddr_mode': 'emulate',
                                'hw:maxphysaddr_bits': str(bits)},
                  **extra_specs)


def passthrough(memory_mb: int = 2048, **extra_specs: Any) -> objects.Flavor:
    return flavor(memory_mb, **{'hw:maxphysaddr_mode': 'passthrough'},
                  **extra_specs)


def image(**props: Any) -> objects.ImageMeta:
    """An image with these Glance properties (validated as Nova does)."""
    return objects.ImageMeta.from_dict({'properties': props})


def instance(name: str = 'instance-00000001', uuid: str = UUID,
             flavor_: objects.Flavor | None = None) -> objects.Instance:
    return objects.Instance(uuid=uuid, name=name, flavor=flavor_)


def spec(extra_specs: dict[str, Any] | None = None,
         image_props: dict[str, Any] | None = None, memory_mb: int = 2048,
         **flavor_kw: Any) -> objects.RequestSpec:
    """A RequestSpec; ``image_props`` None means no image at all."""
    return objects.RequestSpec(
        flavor=flavor(memory_mb, **flavor_kw, **(extra_specs or {})),
        image=None if image_props is None else image(**image_props))


def flavor_bits(bits: int, **extra_specs: Any) -> objects.RequestSpec:
    return spec(dict({'hw:maxphysaddr_mode': 'emulate',
                      'hw:maxphysaddr_bits': str(bits)}, **extra_specs))


def image_bits(bits: int, **props: Any) -> objects.RequestSpec:
    return spec(image_props=dict({'hw_maxphysaddr_mode': 'emulate',
                                  'hw_maxphysaddr_bits': bits}, **props))


def large_guest(**extra_specs: Any) -> objects.RequestSpec:
    """A 1.5 TiB, volume-backed (no DISK_GB) guest."""
    return spec(extra_specs, memory_mb=LARGE_MB, root_gb=0)


def maxphysaddr_of(xml: str) -> dict[str, str] | None:
    """A domain's ``<cpu><maxphysaddr>`` attributes, or None."""
    node = etree.fromstring(xml.encode()).find('cpu/maxphysaddr')
    return None if node is None else dict(node.attrib)


# --- compute nodes as the scheduler sees them --------------------------------

# cpu_info as the libvirt driver stores it (abridged feature list).
BASE_CPU_INFO = {
    'arch': 'x86_64',
    'model': 'EPYC-Milan',
    'vendor': 'AMD',
    'topology': {'cells': 1, 'sockets': 1, 'cores': 8, 'threads': 2},
    'features': ['avx', 'avx2', 'sse4.2', 'pdpe1gb', 'svm'],
}
SUPPORTED_INSTANCES = [['x86_64', 'qemu', 'hvm'], ['i686', 'qemu', 'hvm']]
# Marker for "no maxphysaddr in cpu_info" (None is a junk width).
NO_MAXPHYSADDR = object()


def cpu_info(bits: Any = NO_MAXPHYSADDR, as_json: bool = True,
             **maxphysaddr: Any) -> str | dict[str, Any]:
    """A compute node's cpu_info, with ``maxphysaddr: {mode, bits}``."""
    info: dict[str, Any] = dict(BASE_CPU_INFO)
    if bits is not NO_MAXPHYSADDR:
        info['maxphysaddr'] = dict({'mode': 'emulate', 'bits': bits},
                                   **maxphysaddr)
    return json.dumps(info) if as_json else info


def compute_node(cpu_info_value: Any = None, **overrides: Any
                 ) -> dict[str, Any]:
    """A record shaped like the driver's get_available_resource()."""
    record = {
        'cpu_info': cpu_info(48) if cpu_info_value is None
        else cpu_info_value,
        'hypervisor_type': 'QEMU',
        'hypervisor_version': 7002000,
        'hypervisor_hostname': 'node1',
        'supported_instances': SUPPORTED_INSTANCES,
        'vcpus': 16,
        'memory_mb': 65536,
        'local_gb': 500,
    }
    record.update(overrides)
    return record


def host(name: str = 'host1', cpu_info_value: Any = None,
         **overrides: Any) -> host_manager.HostState:
    state = host_manager.HostState(name, name)
    state.update(compute_node(cpu_info_value, **overrides))
    return state


def host_with_bits(bits: Any, as_json: bool = True,
                   name: str | None = None) -> host_manager.HostState:
    return host(name or 'host-%r' % (bits,), cpu_info(bits, as_json))
