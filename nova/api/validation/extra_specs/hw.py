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

"""Validators for the ``hw`` namespace: the maxphysaddr keys, and every other
``hw:`` key Nova 34 knows, so that a real flavor (hugepages, NUMA, CPU
pinning, ...) validates here as it does in Nova.

The other keys' names and value rules are Nova 34.0.0's (its extra spec
reference); integers are read as strictly here as everywhere in this tree
(canonical decimal only), booleans as Nova reads them (``true``, ``yes``,
``1``, ``on`` and their opposites).
"""

from __future__ import annotations

from typing import Any

from nova_maxphysaddr.rules import values

from nova.api.validation.extra_specs import base

# A CPU set such as '0-3,^2' (hw:cpu_realtime_mask, hw:numa_cpus.N).
CPU_SET_PATTERN = r'\^?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*'

maxphysaddr_validators = [
    base.ExtraSpecValidator(
        name=values.FLAVOR_MODE_KEY,
        description=(
            'How the guest physical address width is chosen. ``emulate``: '
            'the width given by ``hw:maxphysaddr_bits`` (needs it); '
            '``passthrough``: the host CPU\'s own width (takes no bits; '
            'moves only between hosts of the same width). Requires the '
            'compute host to report the COMPUTE_ADDRESS_SPACE_EMULATED or '
            'COMPUTE_ADDRESS_SPACE_PASSTHROUGH trait.'),
        value={
            'type': str,
            'enum': list(values.MODES),
        },
    ),
    base.ExtraSpecValidator(
        name=values.FLAVOR_BITS_KEY,
        description=(
            'The guest physical address width in bits, with '
            '``hw:maxphysaddr_mode=emulate``. The guest\'s RAM, PCI holes '
            'and 64-bit PCI window must fit in 2**bits bytes; only hosts '
            'reporting at least this many bits are chosen.'),
        value={
            'type': int,
            'min': values.BITS_MIN,
            'max': values.BITS_MAX,
        },
    ),
]


def _key(name: str, description: str, **value: Any) -> base.ExtraSpecValidator:
    return base.ExtraSpecValidator(name=name, description=description,
                                   value=value)


# Nova 34's other hw: keys: (name, description, value rule).
nova_validators = [
    _key('hw:boot_menu', 'Whether the guest shows a boot menu.', type=bool),
    _key('hw:cpu_cores', 'Guest CPU cores per socket.', type=int, min=1),
    _key('hw:cpu_dedicated_mask',
         'Guest CPUs pinned to host CPUs with ``hw:cpu_policy=mixed``.',
         type=str, pattern=CPU_SET_PATTERN),
    _key('hw:cpu_max_cores', 'Most cores per socket an image may ask for.',
         type=int, min=1),
    _key('hw:cpu_max_sockets', 'Most sockets an image may ask for.',
         type=int, min=1),
    _key('hw:cpu_max_threads', 'Most threads per core an image may ask '
         'for.', type=int, min=1),
    _key('hw:cpu_policy', 'The CPU pinning policy.', type=str,
         enum=['dedicated', 'shared', 'mixed']),
    _key('hw:cpu_realtime', 'Whether guest CPUs get realtime priority.',
         type=bool),
    _key('hw:cpu_realtime_mask', 'Guest CPUs left out of realtime.',
         type=str, pattern=r'(\^)?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*'),
    _key('hw:cpu_sockets', 'Guest CPU sockets.', type=int, min=1),
    _key('hw:cpu_thread_policy', 'How pinned vCPUs use SMT siblings.',
         type=str, enum=['prefer', 'isolate', 'require']),
    _key('hw:cpu_threads', 'Guest CPU threads per core.', type=int, min=1),
    _key('hw:emulator_threads_policy', 'Where emulator threads run.',
         type=str, enum=['isolate', 'share']),
    _key('hw:ephemeral_encryption', 'Whether ephemeral disks are '
         'encrypted.', type=bool),
    _key('hw:ephemeral_encryption_format', 'The ephemeral disk encryption '
         'format.', type=str, enum=['plain', 'luks', 'luksv2']),
    _key('hw:hide_hypervisor_id', 'Whether the guest sees no hypervisor '
         'ID.', type=bool),
    _key('hw:locked_memory', 'Whether guest memory is locked in host RAM.',
         type=bool),
    _key('hw:mem_encryption', 'Whether guest memory is encrypted.',
         type=bool),
    _key('hw:mem_encryption_model', 'The memory encryption technology.',
         type=str, enum=['amd-sev', 'amd-sev-es', 'amd-sev-snp',
                         'intel-tdx']),
    _key('hw:mem_page_size', 'The guest RAM page size (hugepages).',
         type=str, pattern=r'(large|small|any|\d+([kKMGT]i?)?(b|bit|B)?)'),
    _key('hw:numa_cpus.{num}', 'Guest CPUs of guest NUMA node N.', type=str,
         pattern=CPU_SET_PATTERN),
    _key('hw:numa_mem.{num}', 'MiB of RAM of guest NUMA node N.', type=int,
         min=1),
    _key('hw:numa_nodes', 'Guest NUMA nodes.', type=int, min=1),
    _key('hw:pci_numa_affinity_policy', 'NUMA affinity of PCI devices.',
         type=str, enum=['required', 'preferred', 'legacy', 'socket']),
    _key('hw:pmem', 'Persistent memory namespaces, by label.', type=str,
         pattern=r'([a-zA-Z0-9_]+(,)?)+'),
    _key('hw:pmu', 'Whether the guest sees a virtual performance monitor.',
         type=bool),
    _key('hw:redirected_usb_ports', 'USB redirection ports.', type=int,
         min=0, max=15),
    _key('hw:serial_port_count', 'Guest serial ports.', type=int, min=0),
    _key('hw:sound_model', 'The guest sound device.', type=str,
         enum=['sb16', 'es1370', 'pcspk', 'ac97', 'ich6', 'ich9', 'usb',
               'virtio']),
    _key('hw:tpm_model', 'The guest TPM device.', type=str,
         enum=['tpm-tis', 'tpm-crb']),
    _key('hw:tpm_secret_security', 'Who may read the vTPM secret.',
         type=str, enum=['user', 'host', 'deployment']),
    _key('hw:tpm_version', 'The guest TPM version.', type=str,
         enum=['1.2', '2.0']),
    _key('hw:usb_model', 'The guest USB controller.', type=str,
         enum=['none', 'nec-xhci', 'qemu-xhci']),
    _key('hw:vif_multiqueue_enabled', 'Whether virtio NICs get one queue '
         'per vCPU.', type=bool),
    _key('hw:viommu_model', 'The guest IOMMU.', type=str,
         enum=['intel', 'smmuv3', 'virtio', 'auto']),
    _key('hw:virtio_packed_ring', 'Whether virtio devices use packed '
         'rings.', type=bool),
    _key('hw:watchdog_action', 'What the guest watchdog does.', type=str,
         enum=['none', 'pause', 'poweroff', 'reset', 'disabled']),
]


def register() -> list[base.ExtraSpecValidator]:
    return maxphysaddr_validators + nova_validators
