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

"""The boot path's advice after QEMU refused a guest: a width our own API
accepts, explained in the operator's units."""

import unittest

from nova.demo import boot_path
from nova.demo import qemu
from nova import exception
from nova.virt import hardware

from tests import base
from tests import fakes


def refused(needed, bits):
    """QEMU's refusal, as :func:`qemu.find_phys_bits_too_low` reads it."""
    return qemu.find_phys_bits_too_low(
        'internal error: qemu unexpectedly closed the monitor: '
        'qemu-system-x86_64: Address space limit %#x < %#x phys-bits too low '
        '(%d)' % (2 ** bits - 1, needed, bits))


class AdvisedBitsTest(base.ConfTestCase):

    def setUp(self):
        super().setUp()
        self.flags()  # [libvirt]hw_machine_type unset: pc

    def assertAdvised(self, bits, too_low, flavor, image):
        self.assertEqual(bits, boot_path.advised_bits(too_low, flavor, image))
        # The advice is a width the API accepts for this flavor and image.
        self.assertEqual(
            hardware.MaxPhysAddrRequest('emulate', bits),
            hardware.get_maxphysaddr_request(
                fakes.emulate(bits, flavor.memory_mb), image))

    def test_explanation(self):
        # A 1.5 TiB q35 guest with QEMU's default 40 bits (qemu64, AMD
        # vendor), libvirt's message verbatim (libvirt 9.0, QEMU 7.2).
        too_low = refused(0x2877fffffff, 40)
        flavor = fakes.flavor(fakes.LARGE_MB)
        image = fakes.image(hw_machine_type='q35')
        self.assertEqual(
            'QEMU refused to start the guest: its RAM, memory hotplug region '
            'and 64-bit PCI window reach address 0x2877fffffff (2.53 TiB), '
            'but with phys-bits=40 the guest CPU reaches only 0xffffffffff '
            '(1 TiB). Set hw:maxphysaddr_mode=emulate and '
            'hw:maxphysaddr_bits=42 (or more) on the flavor. QEMU said: '
            '"Address space limit 0xffffffffff < 0x2877fffffff phys-bits too '
            'low (40)"',
            boot_path.explain_too_low(too_low, flavor, image))
        self.assertAdvised(42, too_low, flavor, image)

    def test_advice_is_never_refused_by_our_own_api(self):
        # An Intel-vendor guest CPU (Skylake-Client) keeps its high RAM at
        # 4 GiB, so QEMU needs only 41 bits for 1.5 TiB on q35; the API
        # cannot know the vendor and assumes the AMD layout: it requires 42.
        too_low = refused(0x1887fffffff, 40)
        self.assertEqual(41, too_low.min_bits)
        flavor = fakes.flavor(fakes.LARGE_MB)
        image = fakes.image(hw_machine_type='q35')
        self.assertAdvised(42, too_low, flavor, image)
        with self.assertRaises(exception.MaxPhysAddrBitsTooSmall):
            hardware.get_maxphysaddr_request(
                fakes.emulate(41, fakes.LARGE_MB), image)
        self.assertIn('hw:maxphysaddr_bits=42 (or more)',
                      boot_path.explain_too_low(too_low, flavor, image))
        # The same on pc (Nova's default): QEMU needs 41, the API 42.
        too_low = refused(0x180bfffffff, 40)
        self.assertEqual(41, too_low.min_bits)
        self.assertAdvised(42, too_low, flavor, None)

    def test_qemus_width_when_it_is_the_larger(self):
        for needed, bits, image, advised in (
                # 1 GiB q35 at 35 bits: QEMU and the API agree on 36.
                (0x8ffffffff, 35, fakes.image(hw_machine_type='q35'), 36),
                # 1 GiB pc at 32 bits (QEMU >= 8.2): 33.
                (0x17fffffff, 32, None, 33),
                # A map QEMU placed higher than the rule's (devices with
                # large 64-bit BARs): QEMU's number wins.
                (0x3ffffffffff, 40, None, 42)):
            with self.subTest(needed=hex(needed)):
                self.assertAdvised(advised, refused(needed, bits),
                                   fakes.flavor(fakes.MiB_PER_GiB), image)


class FormatBytesTest(unittest.TestCase):

    def test_units(self):
        self.assertEqual('1.5 TiB', boot_path.format_bytes(1536 * 2 ** 30))
        self.assertEqual('36 GiB', boot_path.format_bytes(36 * 2 ** 30))
        self.assertEqual('2.53 TiB', boot_path.format_bytes(0x28780000000))
        self.assertEqual('512 MiB', boot_path.format_bytes(2 ** 29))
        self.assertEqual('100 bytes', boot_path.format_bytes(100))
