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

"""How many physical address bits a guest needs: QEMU's x86 memory map.

QEMU refuses to start an x86_64 guest whose memory map ends above
``2**phys-bits`` ("Address space limit 0x... < 0x... phys-bits too low"),
so the width a flavor asks for must hold everything QEMU places in the
guest's physical address space.  The map (``pc_memory_init()`` and
``pc_max_used_gpa()`` in QEMU's ``hw/i386/pc.c``; the split below 4 GiB in
``pc_q35.c`` and ``pc_piix.c``), measured against QEMU 7.2 and 10.0.2
(``doc/source/admin/qemu-verdicts.rst``):

* RAM below the machine's split point is all placed below 4 GiB; a larger
  RAM puts a fixed part below 4 GiB and the rest ("high RAM") from 4 GiB;
* an AMD-vendor guest CPU whose map would reach the HyperTransport hole at
  1012 GiB gets its high RAM moved to start at 1 TiB (QEMU >= 7.1);
* the 64-bit PCI window follows, at the end of high RAM (or at 4 GiB when
  there is none) rounded up to 1 GiB;
* the guest needs ``2**bits`` to reach past the window's last byte.
  QEMU 7.1 to 8.1 skip the check for ``phys-bits=32``; 8.2 and later check
  every 64-bit guest, so 32 bits never fit an x86_64 guest on any QEMU a
  compute node may run, and this rule never accepts them.

The API and the scheduler cannot know the guest CPU's vendor, so the AMD
layout (the larger) is assumed unless told otherwise: never under-estimate.
"""

from __future__ import annotations

import dataclasses

from nova_maxphysaddr.rules import values

MiB = 1024 ** 2
GiB = 1024 ** 3
TiB = 1024 ** 4

HIGH_RAM_START = 4 * GiB
# AMD-vendor guests: where the HyperTransport hole starts, and where QEMU
# moves high RAM when the map would reach it.
AMD_HT_START = 1012 * GiB
AMD_ABOVE_1TB_START = 1 * TiB
# The 64-bit PCI window starts on a 1 GiB boundary.
PCI_HOLE64_ALIGN = 1 * GiB


@dataclasses.dataclass(frozen=True)
class MachineFamily:
    """The parts of a machine type's memory map that set its width."""

    name: str
    all_low_ram_below: int
    """RAM smaller than this is all placed below 4 GiB."""
    low_ram_size: int
    """Otherwise this much is, and the rest starts at 4 GiB."""
    pci_hole64_size: int
    """The 64-bit PCI window's default size."""


# q35: split at 2.75 GiB, 2 GiB below 4 GiB, a 32 GiB 64-bit window.
Q35 = MachineFamily('q35', 0xB0000000, 2 * GiB, 32 * GiB)
# pc (i440fx): split at 3.5 GiB, 3 GiB below 4 GiB, a 2 GiB 64-bit window.
I440FX = MachineFamily('pc', 0xE0000000, 3 * GiB, 2 * GiB)
FAMILIES = (Q35, I440FX)
# Machine type names: the aliases, and the versioned types' prefixes.
_FAMILY_NAMES = {'q35': Q35, 'pc': I440FX}
_FAMILY_PREFIXES = (('pc-q35-', Q35), ('pc-i440fx-', I440FX))


def machine_family(machine_type: str) -> MachineFamily | None:
    """The family of a libvirt/QEMU machine type (``q35``,
    ``pc-q35-7.2``, ``pc``, ``pc-i440fx-8.2``), or None for one whose
    memory map this rule does not know (``microvm``, ``isapc``...)."""
    family = _FAMILY_NAMES.get(machine_type)
    if family is not None:
        return family
    for prefix, family in _FAMILY_PREFIXES:
        if machine_type.startswith(prefix):
            return family
    return None


@dataclasses.dataclass(frozen=True)
class GuestLayout:
    """What the width of one guest depends on: its RAM and machine type.

    ``machine_type`` None: not known where the rule runs (the API of a
    cloud whose compute nodes choose it), so every family's map is assumed
    and the largest counts.
    """

    memory_mb: int
    machine_type: str | None = None
    pci_mmio64_mb: int = 0
    """64-bit PCI BAR space the guest's devices need (GPUs with large
    BARs); the 64-bit window is at least this large.  QEMU's own check
    knows only its default window, but the firmware must place every BAR
    below ``2**bits``."""

    @property
    def families(self) -> tuple[MachineFamily, ...]:
        """The memory maps the guest may get; empty for a machine type the
        rule does not know."""
        if self.machine_type is None:
            return FAMILIES
        family = machine_family(self.machine_type)
        return () if family is None else (family,)


def _round_up(value: int, align: int) -> int:
    return -(-value // align) * align


def _family_end(family: MachineFamily, ram: int, window: int,
                amd_vendor: bool) -> int:
    low = ram if ram < family.all_low_ram_below else family.low_ram_size
    high = ram - low
    window = max(window, family.pci_hole64_size)
    end = _round_up(HIGH_RAM_START + high, PCI_HOLE64_ALIGN) + window
    if amd_vendor and end - 1 >= AMD_HT_START:
        end = _round_up(AMD_ABOVE_1TB_START + high,
                        PCI_HOLE64_ALIGN) + window
    return end


def address_space_end(layout: GuestLayout, amd_vendor: bool = True) -> int:
    """The first guest physical address above RAM and the 64-bit PCI
    window: the guest needs ``2**bits >= address_space_end(layout)``.

    :raises ValueError: for a machine type the rule does not know
    """
    if not layout.families:
        raise ValueError('no memory map is known for machine type %r' %
                         layout.machine_type)
    ram = layout.memory_mb * MiB
    window = layout.pci_mmio64_mb * MiB
    return max(_family_end(family, ram, window, amd_vendor)
               for family in layout.families)


def bits_fit(layout: GuestLayout, bits: int, amd_vendor: bool = True
             ) -> bool:
    """Whether every QEMU starts the guest with ``phys-bits=bits``."""
    return bool(1 << bits >= address_space_end(layout, amd_vendor))


def min_bits(layout: GuestLayout, amd_vendor: bool = True) -> int:
    """The smallest width that fits; every larger one fits too.

    Can exceed QEMU's maximum (52) for absurd sizes: callers compare.
    """
    return (address_space_end(layout, amd_vendor) - 1).bit_length()


def qemu_default_fits(layout: GuestLayout) -> bool:
    """Whether the guest starts without any width asked for."""
    return bits_fit(layout, values.QEMU_DEFAULT_BITS)


def advised_bits(layout: GuestLayout, below_default: bool = False) -> int:
    """The width to set on a flavor for ``layout``: the minimum, but never
    below QEMU's default unless ``below_default`` (setting less than the
    guest would get anyway only shrinks its address space).

    Can exceed QEMU's maximum (52): callers compare.
    """
    needed = min_bits(layout)
    return needed if below_default else max(needed, values.QEMU_DEFAULT_BITS)
