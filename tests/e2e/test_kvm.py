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

"""The KVM tier: our driver on real QEMU under KVM (``virt_type=kvm``).

What the guest gets is asked of QEMU (QMP) and compared with the host's own
width (``/proc/cpuinfo``), for the CPU modes that run under KVM on any x86
host: a named model (``custom`` with ``kvm64``) and ``none`` (QEMU's
default model).  ``host-passthrough`` and ``maximum`` are refused for
``emulate`` by the driver, and QEMU's own answer shows why: with
``-cpu host`` an emulate request of 42 bits gets the host's width.

Runs wherever this user may open ``/dev/kvm`` (CI here can), and skips,
saying why, where it cannot.
"""

import re

from nova_maxphysaddr.rules import values

from nova.demo import embedded
from nova.demo import qemu
from nova import exception
from nova.objects import fields
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import maxphysaddr

from tests.e2e import base

CPUINFO = '/proc/cpuinfo'
# In some nested hosts (this project's CI among them) QEMU cannot set the
# IA32_ARCH_CAPABILITIES MSR for -cpu host ("failed to set MSR 0x10a");
# leaving the feature out lets such a host show QEMU's answer too.
HOST_CPU_WORKAROUND = 'arch-capabilities'
LARGE_MB = 1536 * base.MiB_PER_GiB


def cpuinfo_phys_bits():
    """The host CPU's width, from the kernel."""
    with open(CPUINFO) as f:
        match = re.search(r'address sizes\s*:\s*(\d+) bits physical',
                          f.read())
    return int(match.group(1))


class KVMTestCase(base.RealQEMUTestCase):

    VIRT_TYPE = 'kvm'
    CPU_MODEL = 'kvm64'

    @classmethod
    def setUpClass(cls):
        reason = embedded.kvm_unusable_reason()
        if reason:
            base.unavailable('KVM cannot be used here: ' + reason)
        super().setUpClass()

    def setUp(self):
        super().setUp()
        # The capabilities follow [libvirt]cpu_mode: a driver per test.
        self.driver = libvirt_driver.LibvirtDriver(host=self.host)

    def assertPhysBits(self, guest, phys_bits, host_phys_bits):
        self.assertEqual((phys_bits, host_phys_bits),
                         (guest.get_phys_bits().phys_bits,
                          guest.get_phys_bits().host_phys_bits))


class NamedModelTest(KVMTestCase):

    def test_the_host_width_is_the_kernels(self):
        self.assertEqual(cpuinfo_phys_bits(), self.host_phys_bits())

    def test_traits_are_what_boots(self):
        self.assertEqual({'COMPUTE_ADDRESS_SPACE_EMULATED': True,
                          'COMPUTE_ADDRESS_SPACE_PASSTHROUGH': True},
                         self.driver.capabilities_as_traits())
        guest = self.spawn(self.flavor(mode='emulate', bits='42'))
        self.assertEqual(('kvm64', {'phys-bits': '42'}),
                         qemu.parse_cpu_arg(guest.get_qemu_cpu_arg()))
        self.assertPhysBits(guest, 42, False)
        guest = self.spawn(self.flavor(mode='passthrough'))
        self.assertPhysBits(guest, cpuinfo_phys_bits(), True)

    def test_without_a_request_qemus_default(self):
        guest = self.spawn(self.flavor())
        self.assertPhysBits(guest, values.QEMU_DEFAULT_BITS, False)

    def test_a_1_5_tib_passthrough_guest_boots(self):
        # File-backed, shared RAM: sparse, nothing allocated until touched
        # (KVM itself takes a few GB of kernel memory for the slots).
        if cpuinfo_phys_bits() < 42:
            base.unavailable('this host has %d bits: 1.5 TiB needs 42'
                             % cpuinfo_phys_bits())
        guest = self.spawn(self.flavor(LARGE_MB, mode='passthrough'))
        self.assertPhysBits(guest, cpuinfo_phys_bits(), True)

    def test_a_1_5_tib_guest_without_the_feature_is_refused_by_qemu(self):
        with self.assertRaises(exception.InstanceBootFailed) as ctx:
            self.driver.spawn(self.instance(), self.image(),
                              self.flavor(LARGE_MB))
        self.assertIsNotNone(qemu.find_phys_bits_too_low(str(ctx.exception)),
                             str(ctx.exception))


class NoCPUModeTest(KVMTestCase):
    """``cpu_mode=none``: no model, QEMU's default (qemu64)."""

    CPU_MODEL = None

    def setUp(self):
        super().setUp()
        self.override(cpu_mode=fields.CPUMode.NONE, cpu_models=[])
        self.driver = libvirt_driver.LibvirtDriver(host=self.host)

    def test_emulate_and_passthrough(self):
        self.assertEqual({'COMPUTE_ADDRESS_SPACE_EMULATED': True,
                          'COMPUTE_ADDRESS_SPACE_PASSTHROUGH': True},
                         self.driver.capabilities_as_traits())
        guest = self.spawn(self.flavor(mode='emulate', bits='42'))
        self.assertPhysBits(guest, 42, False)
        guest = self.spawn(self.flavor(mode='passthrough'))
        self.assertPhysBits(guest, cpuinfo_phys_bits(), True)


class HostWidthCPUModesTest(KVMTestCase):
    """host-passthrough and maximum: QEMU's host/max models take the host's
    width under KVM whatever phys-bits says, so the driver does not offer
    emulate there (no trait, refused before libvirt)."""

    CPU_MODEL = None

    def use(self, cpu_mode):
        self.override(cpu_mode=cpu_mode, cpu_models=[])
        self.driver = libvirt_driver.LibvirtDriver(host=self.host)

    def test_refused_before_libvirt(self):
        for cpu_mode in maxphysaddr.HOST_WIDTH_CPU_MODES:
            with self.subTest(cpu_mode=cpu_mode):
                self.use(cpu_mode)
                traits = self.driver.capabilities_as_traits()
                self.assertFalse(traits['COMPUTE_ADDRESS_SPACE_EMULATED'])
                self.assertTrue(traits['COMPUTE_ADDRESS_SPACE_PASSTHROUGH'])
                instance = self.instance()
                with self.assertRaises(exception.MaxPhysAddrUnsupported) as \
                        ctx:
                    self.driver.spawn(instance, self.image(), self.flavor(
                        mode='emulate', bits='42'))
                self.assertIn('with [libvirt]cpu_mode=%s under KVM' %
                              cpu_mode, str(ctx.exception))
                self.assertNotDefined(instance)

    def test_qemu_gives_the_host_width_instead(self):
        # QEMU's own answer: the domain the driver would have built,
        # started anyway.  The guest sees the host's bits, not 42.
        for cpu_mode in maxphysaddr.HOST_WIDTH_CPU_MODES:
            with self.subTest(cpu_mode=cpu_mode):
                self.use(cpu_mode)
                config = self.guest_config(self.flavor(mode='emulate',
                                                       bits='42'))
                self.assertEqual(cpu_mode, config.cpu.mode)
                config.cpu.features = [vconfig.LibvirtConfigGuestCPUFeature(
                    name=HOST_CPU_WORKAROUND, policy='disable')]
                guest = self.start_config(config)
                self.assertIn('phys-bits=42', guest.get_qemu_cpu_arg())
                self.assertPhysBits(guest, cpuinfo_phys_bits(), True)
                self.destroy(guest)
