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

"""Our driver refuses, with our message, what libvirt or QEMU would refuse.

Each test checks both halves: the driver stops the request before libvirt
sees it (nothing is defined), and libvirt or QEMU really do refuse the
domain our driver would otherwise have produced (built with the driver's
own config classes, then forced past our checks).
"""

import libvirt

from nova_maxphysaddr.rules import values

from nova import exception
from nova.objects import fields

from tests.e2e import base


class RefusalTest(base.RealQEMUTestCase):

    def assertRefusedBeforeLibvirt(self, exc_class, message, flavor,
                                   image=None):
        instance = self.instance()
        with self.assertRaises(exc_class) as ctx:
            self.driver.spawn(instance, image or self.image(), flavor)
        self.assertEqual(message, str(ctx.exception))
        self.assertNotDefined(instance)
        return ctx.exception

    def assertLibvirtRefuses(self, config, message):
        with self.assertRaises(libvirt.libvirtError) as ctx:
            self.start_config(config)
        self.assertIn(message, str(ctx.exception))

    def assertArchRefused(self, arch, bits):
        """The resolver refuses a width for a non-x86_64 image."""
        self.assertRefusedBeforeLibvirt(
            exception.InvalidMaxPhysAddrRequest,
            "Invalid maxphysaddr request: hw:maxphysaddr_mode=emulate sets "
            "the guest's physical address width, which only x86_64 guests "
            "have, but the image sets hw_architecture=%s; remove "
            "hw:maxphysaddr_mode, or use an x86_64 image" % arch,
            self.flavor(mode='emulate', bits=bits),
            self.image(hw_architecture=arch))

    def emulate_42_config(self):
        return self.guest_config(self.flavor(mode='emulate', bits='42'))

    def test_bits_above_the_hosts_width(self):
        host_bits = self.host_phys_bits()
        bits = host_bits + 1
        if bits > values.BITS_MAX:
            self.skipTest('this host has %d bits, QEMU\'s maximum: no valid '
                          'request exceeds it' % host_bits)
        flavor = self.flavor(mode='emulate', bits=str(bits))
        exc = self.assertRefusedBeforeLibvirt(
            exception.MaxPhysAddrUnsupported,
            "Host %s cannot honour the guest's maxphysaddr request "
            "(mode=emulate, bits=%d): host has %d physical address bits; the "
            "guest (mode=emulate, bits=%d) needs at least %d bits" % (
                self.host.get_hostname(), bits, host_bits, bits, bits),
            flavor)
        self.assertTrue(exc.reschedulable)
        # Even under TCG, which could emulate any width.
        self.assertLibvirtRefuses(
            self.guest_config(flavor),
            'The number of virtual CPU address bits cannot exceed the number '
            'supported by the host CPU')

    def test_passthrough_with_bits(self):
        self.assertRefusedBeforeLibvirt(
            exception.InvalidMaxPhysAddrRequest,
            "Invalid maxphysaddr request: hw:maxphysaddr_mode=passthrough "
            "uses the host CPU's width and takes no bits, but "
            "hw:maxphysaddr_bits=42 is set; remove it, or use emulate",
            self.flavor(mode='passthrough', bits='42'))
        config = self.emulate_42_config()
        config.cpu.maxphysaddr.mode = fields.MaxPhysAddrMode.PASSTHROUGH
        self.assertLibvirtRefuses(
            config, "CPU maximum physical address bits number specification "
                    "cannot be used with mode='passthrough'")

    def test_emulate_without_bits(self):
        self.assertRefusedBeforeLibvirt(
            exception.InvalidMaxPhysAddrRequest,
            'Invalid maxphysaddr request: hw_maxphysaddr_mode=emulate needs '
            'the width: set hw:maxphysaddr_bits (flavor) or '
            'hw_maxphysaddr_bits (image) to a decimal integer from 32 to 52',
            self.flavor(), self.image(hw_maxphysaddr_mode='emulate'))
        config = self.emulate_42_config()
        config.cpu.maxphysaddr.bits = None
        self.assertLibvirtRefuses(
            config, "if using CPU maximum physical address mode='emulate', "
                    "bits= must be specified too")

    def test_bits_below_qemus_minimum(self):
        self.assertRefusedBeforeLibvirt(
            exception.ValidationError,
            "Invalid extra spec hw:maxphysaddr_bits='31': must be a decimal "
            "integer from 32 to 52",
            self.flavor(mode='emulate', bits='31'))
        config = self.emulate_42_config()
        config.cpu.maxphysaddr.bits = 31
        # QEMU 7.2 prints two spaces before the parenthesis.
        self.assertLibvirtRefuses(
            config, 'phys-bits should be between 32 and 52  (but is 31)')

    def test_non_x86_guest(self):
        # Only our half: libvirt refuses maxphysaddr for non-x86 guests too
        # (qemu_validate.c), but this machine has no aarch64 QEMU to reach
        # that check with.  No host could start it, so the resolver refuses
        # it (before scheduling, too).
        self.assertArchRefused('aarch64', '42')

    def test_32_bit_x86_guest(self):
        # libvirt takes maxphysaddr for any x86 guest, but QEMU sets the
        # width only for CPUs with long mode.
        self.assertArchRefused('i686', '36')
        config = self.guest_config(self.flavor(mode='emulate', bits='36'))
        config.os_arch = fields.Architecture.I686
        self.assertLibvirtRefuses(
            config, 'phys-bits is not user-configurable in 32 bit')
