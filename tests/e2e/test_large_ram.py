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

"""The original failure, for real: a guest with 1.5 TiB of RAM.

The RAM is file-backed (``[libvirt]file_backed_memory``): QEMU maps a sparse
shared file, so this guest starts on a machine with far less memory and
uses only the pages it touches.
"""

import glob
import os

from nova_maxphysaddr.rules import sizing

from nova.demo import qemu
from nova import exception

from tests.e2e import base

RAM_MB = 1536 * 1024
# These tests run on q35 (the e2e base's machine type).
Q35_LARGE = sizing.GuestLayout(RAM_MB, 'q35')
MiB = 1024 * 1024
GiB = 1024 * MiB


class LargeRAMTest(base.RealQEMUTestCase):

    def test_fails_without_maxphysaddr_and_qemu_says_why(self):
        instance = self.instance()
        with self.assertRaises(exception.InstanceBootFailed) as ctx:
            self.driver.spawn(instance, self.image(), self.flavor(RAM_MB))
        message = str(ctx.exception)
        self.assertTrue(message.startswith(
            'Guest %s failed to start: ' % instance.name), message)
        found = qemu.find_phys_bits_too_low(message)
        self.assertIsNotNone(found, message)
        self.assertEqual(
            'Address space limit 0xffffffffff < 0x2877fffffff phys-bits too '
            'low (40)', found.qemu_message)
        # QEMU's memory map is the resolver's (qemu64 is AMD-vendor), so
        # the width QEMU needed is the one the advice gives.
        self.assertEqual(sizing.address_space_end(Q35_LARGE) - 1,
                         found.needed)
        self.assertEqual(sizing.min_bits(Q35_LARGE),
                         found.min_bits)
        self.assertNotDefined(instance)

    def test_starts_with_the_advised_bits(self):
        bits = sizing.min_bits(Q35_LARGE)
        self.assertEqual(42, bits)
        guest = self.spawn(self.flavor(
            RAM_MB, mode='emulate', bits=str(bits)))
        self.assertEqual(bits, guest.get_phys_bits().phys_bits)
        self.assertEqual(
            ('qemu64', {'phys-bits': '42'}),
            qemu.parse_cpu_arg(guest.get_qemu_cpu_arg()))
        # All 1.5 TiB are one sparse file, nearly all of it unallocated.
        ram_files = glob.glob(os.path.join(
            self.embedded.memory_backing_dir, '**', '*-' + guest.name,
            'pc.ram'), recursive=True)
        self.assertEqual(1, len(ram_files), ram_files)
        ram = os.stat(ram_files[0])
        self.assertEqual(RAM_MB * MiB, ram.st_size)
        self.assertLess(ram.st_blocks * 512, GiB)

    def test_one_bit_fewer_is_refused_before_libvirt(self):
        instance = self.instance()
        with self.assertRaises(exception.MaxPhysAddrBitsTooSmall) as ctx:
            self.driver.spawn(instance, self.image(), self.flavor(
                RAM_MB, mode='emulate', bits='41'))
        self.assertEqual(
            'hw:maxphysaddr_bits=41 is too small for this flavor: a guest '
            'with 1572864 MiB of RAM needs at least 42 physical address bits '
            '(2**41 bytes cannot hold its RAM, PCI holes and 64-bit PCI '
            'window). Set hw:maxphysaddr_bits to at least 42.',
            str(ctx.exception))
        self.assertNotDefined(instance)
