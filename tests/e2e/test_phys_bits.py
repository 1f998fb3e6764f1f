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

"""The width our driver asks for is the width QEMU gives the guest."""

from lxml import etree

from nova_maxphysaddr.rules import values

from nova.demo import qemu
from nova import exception

from tests.e2e import base


class PhysBitsTest(base.RealQEMUTestCase):

    def assertCPU(self, guest, cpu_arg, phys_bits, host_phys_bits=False):
        """QEMU's command line and QEMU's own answer over QMP."""
        self.assertEqual(cpu_arg, qemu.parse_cpu_arg(
            guest.get_qemu_cpu_arg()))
        self.assertEqual(
            qemu.QEMUPhysBits(phys_bits, host_phys_bits, 0),
            guest.get_phys_bits())

    def test_flavor_bits_42(self):
        guest = self.spawn(self.flavor(mode='emulate', bits='42'))
        self.assertCPU(guest, ('qemu64', {'phys-bits': '42'}), 42)
        # libvirt kept the element as our driver wrote it.
        live = etree.fromstring(guest.get_xml_desc())
        self.assertEqual([{'mode': 'emulate', 'bits': '42'}],
                         [dict(e.attrib) for e in live.iterfind(
                             'cpu/maxphysaddr')])

    def test_image_bits_39(self):
        guest = self.spawn(self.flavor(4 * base.MiB_PER_GiB), self.image(
            hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits=39))
        self.assertCPU(guest, ('qemu64', {'phys-bits': '39'}), 39)

    def test_no_request_keeps_qemus_default(self):
        guest = self.spawn(self.flavor())
        self.assertCPU(guest, ('qemu64', {}),
                       values.QEMU_DEFAULT_BITS)
        live = etree.fromstring(guest.get_xml_desc())
        self.assertIsNone(live.find('cpu/maxphysaddr'))

    def test_passthrough_is_kvm_only_in_qemu(self):
        # libvirt passes the request on, but QEMU takes the host's width
        # only with a hardware accelerator: under TCG the guest keeps the
        # default 40 bits.  So the driver does not offer passthrough under
        # virt_type=qemu (no trait, refused at spawn) ...
        self.assertFalse(self.driver.capabilities[
            'supports_address_space_passthrough'])
        with self.assertRaises(exception.MaxPhysAddrUnsupported) as ctx:
            self.spawn(self.flavor(mode='passthrough'))
        self.assertIn("QEMU gives a guest the host's width only under KVM",
                      str(ctx.exception))
        # ... because, pushed past that check, QEMU runs it at 40 bits.
        guest = self.start_config(self.guest_config(
            self.flavor(mode='passthrough')))
        self.assertCPU(guest, ('qemu64', {'host-phys-bits': 'on'}),
                       values.QEMU_DEFAULT_BITS, host_phys_bits=True)
