"""Validators for the ``hw`` namespace (the part this slice carries)."""

from nova.api.validation.extra_specs import base
from nova.objects import fields

maxphysaddr_validators = [
    base.ExtraSpecValidator(
        name='hw:maxphysaddr_mode',
        description=(
            'How the guest physical address width is chosen. ``emulate``: '
            'the width given by ``hw:maxphysaddr_bits`` (needs it); '
            '``passthrough``: the host CPU\'s own width (takes no bits; '
            'moves only between hosts of the same width). Requires the '
            'compute host to report the COMPUTE_ADDRESS_SPACE_EMULATED or '
            'COMPUTE_ADDRESS_SPACE_PASSTHROUGH trait.'),
        value={
            'type': str,
            'enum': list(fields.MaxPhysAddrMode.ALL),
        },
    ),
    base.ExtraSpecValidator(
        name='hw:maxphysaddr_bits',
        description=(
            'The guest physical address width in bits, with '
            '``hw:maxphysaddr_mode=emulate``. The guest\'s RAM, PCI holes '
            'and 64-bit PCI window must fit in 2**bits bytes; only hosts '
            'reporting at least this many bits are chosen.'),
        value={
            'type': int,
            'min': fields.MaxPhysAddrBits.MIN,
            'max': fields.MaxPhysAddrBits.MAX,
        },
    ),
]

cpu_validators = [
    base.ExtraSpecValidator(
        name='hw:cpu_policy',
        description='The CPU pinning policy.',
        value={'type': str, 'enum': list(fields.CPUAllocationPolicy.ALL)},
    ),
    base.ExtraSpecValidator(
        name='hw:cpu_thread_policy',
        description='How pinned vCPUs use SMT siblings.',
        value={'type': str,
               'enum': list(fields.CPUThreadAllocationPolicy.ALL)},
    ),
    base.ExtraSpecValidator(
        name='hw:cpu_sockets',
        description='The number of guest CPU sockets.',
        value={'type': int, 'min': 1},
    ),
    base.ExtraSpecValidator(
        name='hw:cpu_cores',
        description='The number of cores per guest CPU socket.',
        value={'type': int, 'min': 1},
    ),
    base.ExtraSpecValidator(
        name='hw:cpu_threads',
        description='The number of threads per guest CPU core.',
        value={'type': int, 'min': 1},
    ),
    base.ExtraSpecValidator(
        name='hw:pmu',
        description='Whether the guest sees a virtual performance monitor.',
        value={'type': bool},
    ),
    base.ExtraSpecValidator(
        name='hw:machine_type',
        description='The guest machine type, e.g. q35.',
        value={'type': str, 'pattern': r'[A-Za-z0-9_.-]+'},
    ),
]


def register() -> list[base.ExtraSpecValidator]:
    return maxphysaddr_validators + cpu_validators
