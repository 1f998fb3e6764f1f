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

"""The resolver's minimum-bits rule against QEMU's own memory map.

For each size: the width the API enforces (which assumes an AMD-vendor
guest CPU, the larger layout) boots through our driver; the rule for the
CPU's actual vendor is exact: QEMU refuses one bit fewer, and the highest
address QEMU reports needing is the one the rule computes.

Sizes: all RAM below 4 GiB; the last size that fits 36 bits and the first
that needs 37; just past AMD's HyperTransport hole (979 GiB moves high RAM
above 1 TiB on AMD only); 1.5 TiB (the issue's guest: 42 bits on AMD, 41 on
Intel); 4 TiB.
"""

import libvirt

from nova_maxphysaddr.rules import sizing
from nova_maxphysaddr.rules import values

from nova.demo import qemu

from tests.e2e import base

GiB = base.MiB_PER_GiB
TiB = base.MiB_PER_TiB
SIZES_MB = (1 * GiB, 30 * GiB, 30 * GiB + 1, 979 * GiB, 1536 * GiB, 4 * TiB)


class _SizingRuleTest(base.RealQEMUTestCase):

    AMD_VENDOR: bool
    VENDOR: str

    def start_with_bits(self, memory_mb, bits):
        """Start our driver's guest for ``memory_mb`` at exactly ``bits``,
        bypassing our own size check, to ask QEMU; return its refusal."""
        config = self.guest_config(self.flavor(
            memory_mb, mode='emulate', bits=str(values.BITS_MAX)))
        config.cpu.maxphysaddr.bits = bits
        try:
            guest = self.start_config(config)
        except libvirt.libvirtError as exc:
            refusal = qemu.find_phys_bits_too_low(str(exc))
            self.assertIsNotNone(refusal, str(exc))
            return refusal
        self.assertEqual(bits, guest.get_phys_bits().phys_bits)
        self.destroy(guest)
        return None

    def test_cpu_vendor(self):
        guest = self.spawn(self.flavor())
        self.assertEqual(self.VENDOR, guest.get_cpu_property('vendor'))

    def test_rule_agrees_with_qemu(self):
        for memory_mb in SIZES_MB:
            with self.subTest(memory_mb=memory_mb):
                self.check_size(memory_mb)

    def check_size(self, memory_mb):
        layout = sizing.GuestLayout(memory_mb, 'q35')
        enforced = sizing.min_bits(layout)
        exact = sizing.min_bits(
            layout, amd_vendor=self.AMD_VENDOR)
        self.assertLessEqual(exact, enforced)

        # Never an under-estimate: what the API enforces boots.
        guest = self.spawn(self.flavor(memory_mb, mode='emulate',
                                       bits=str(enforced)))
        self.assertEqual(enforced, guest.get_phys_bits().phys_bits)
        self.destroy(guest)
        if exact != enforced:
            self.assertIsNone(self.start_with_bits(memory_mb, exact))

        # Exact for this vendor: QEMU refuses one bit fewer, at the
        # address the rule computes.
        refusal = self.start_with_bits(memory_mb, exact - 1)
        self.assertIsNotNone(refusal, 'QEMU started %d MiB with %d bits' % (
            memory_mb, exact - 1))
        self.assertEqual(
            sizing.address_space_end(layout, self.AMD_VENDOR) - 1,
            refusal.needed)
        self.assertEqual((exact - 1, exact), (refusal.bits,
                                              refusal.min_bits))
        self.assertFalse(sizing.bits_fit(
            layout, exact - 1, amd_vendor=self.AMD_VENDOR))


class AMDVendorTest(_SizingRuleTest):
    """qemu64, TCG's default CPU model: AuthenticAMD."""

    CPU_MODEL = 'qemu64'
    AMD_VENDOR = True
    VENDOR = 'AuthenticAMD'


class IntelVendorTest(_SizingRuleTest):
    CPU_MODEL = 'Skylake-Client'
    AMD_VENDOR = False
    VENDOR = 'GenuineIntel'


del _SizingRuleTest
