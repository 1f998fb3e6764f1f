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

"""Base for the end-to-end tests: our libvirt driver against real QEMU.

Guests run under TCG (``[libvirt]virt_type=qemu``) so that results do not
depend on the machine's CPU or on /dev/kvm (the KVM tier,
``test_kvm.py``, overrides that), on the q35 machine type (these tests'
figures are q35's), in libvirt's embedded QEMU driver (``qemu:///embed``):
no daemon to start, nothing outside a temporary directory touched.

libvirt allows one embedded root per process for the life of the process,
so every test class shares one root (created on first use, removed with
any leftover guest when the process exits); each test destroys its own
guests, and each class destroys whatever is left when it ends.

The tests skip only when they cannot run at all: not root, or QEMU not
installed.  Anything else missing (the ``libvirt-qemu`` user, libvirt's
QEMU driver module) is an error, with what to install in the message.
"""

from __future__ import annotations

import atexit
import os
from typing import NoReturn
import unittest
import uuid

import libvirt

import nova.conf
from nova.demo import embedded
from nova.demo import qemu
from nova import objects
from nova.objects import fields
from nova.virt import hardware
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import guest as libvirt_guest
from nova.virt.libvirt import host as libvirt_host

from tests import fakes

CONF = nova.conf.CONF
objects.register_all()

MiB_PER_GiB = 1024
MiB_PER_TiB = 1024 * 1024
# Capacity set aside for file-backed guest RAM: larger than any guest here.
# The files are sparse, so it costs only the pages the guests touch (a
# guest without a boot disk touches a few MiB).
FILE_BACKED_MEMORY_MB = 8 * MiB_PER_TiB
# Small enough for any CI machine, large enough for the firmware.
SMALL_GUEST_MB = 512

_embedded: embedded.EmbeddedQEMU | None = None


# .ci/run sets it: on CI's machine (QEMU installed by bootstrap, /dev/kvm
# usable, a 48-bit host CPU) every real-hypervisor test must run, so one
# that would skip fails instead and a skip can never hide a broken tier.
REQUIRE_ENV = 'NOVA_MAXPHYSADDR_REQUIRE_HYPERVISORS'
QEMU_MISSING = ('QEMU is not installed (apt-get install qemu-system-x86 '
                'libvirt-daemon-driver-qemu, or tools/bootstrap.sh)')


def unavailable(reason: str) -> NoReturn:
    """Skip a test for what this machine lacks (QEMU, /dev/kvm access, a
    wide enough CPU), never for a missing feature; under ``REQUIRE_ENV``,
    fail."""
    if os.environ.get(REQUIRE_ENV):
        raise AssertionError('%s is set, but %s' % (REQUIRE_ENV, reason))
    raise unittest.SkipTest(reason)


def require_qemu() -> None:
    """Any user will do: the embedded driver runs QEMU as the calling user
    (the KVM tier needs /dev/kvm access on top, see test_kvm)."""
    if embedded.find_qemu_binary() is None:
        unavailable(QEMU_MISSING)


def get_embedded() -> embedded.EmbeddedQEMU:
    """The process's embedded root, set up on first use."""
    global _embedded
    if _embedded is None:
        root = embedded.EmbeddedQEMU()
        root.setup()
        atexit.register(root.cleanup)
        _embedded = root
    return _embedded


class RealQEMUTestCase(unittest.TestCase):
    """Boots guests with :class:`LibvirtDriver` on the embedded QEMU."""

    # [libvirt]cpu_models for this class; None: the driver's TCG default
    # (qemu64, an AMD-vendor model).
    CPU_MODEL: str | None = None
    VIRT_TYPE = 'qemu'
    MACHINE_TYPES = ['x86_64=q35']

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        require_qemu()
        cls.embedded = get_embedded()
        cls.host = libvirt_host.Host(cls.embedded.uri)
        cls.driver = libvirt_driver.LibvirtDriver(host=cls.host)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.host.close()
        cls.embedded.destroy_domains()
        super().tearDownClass()

    def setUp(self) -> None:
        super().setUp()
        self.override(virt_type=self.VIRT_TYPE,
                      connection_uri=self.embedded.uri,
                      file_backed_memory=FILE_BACKED_MEMORY_MB,
                      hw_machine_type=self.MACHINE_TYPES)
        if self.CPU_MODEL is not None:
            self.override(cpu_mode=fields.CPUMode.CUSTOM,
                          cpu_models=[self.CPU_MODEL])

    def override(self, **options: object) -> None:
        for name, value in options.items():
            CONF.set_override(name, value, group='libvirt')
            self.addCleanup(CONF.clear_override, name, group='libvirt')

    # --- objects ------------------------------------------------------------

    @staticmethod
    def flavor(memory_mb: int = SMALL_GUEST_MB,
               **extra_specs: str) -> objects.Flavor:
        """A flavor; ``mode='emulate', bits='42'`` set hw:maxphysaddr_*."""
        return fakes.flavor(memory_mb, vcpus=1, root_gb=0, **{
            'hw:maxphysaddr_' + key: value
            for key, value in extra_specs.items()})

    image = staticmethod(fakes.image)

    def instance(self) -> objects.Instance:
        instance_uuid = str(uuid.uuid4())
        return fakes.instance('e2e-%s' % instance_uuid[:8], instance_uuid)

    @property
    def conn(self) -> libvirt.virConnect:
        return self.host.get_connection()

    def host_phys_bits(self) -> int:
        """The host's width as libvirt reports it (never assumed)."""
        maxphysaddr = self.host.get_capabilities().host.cpu.maxphysaddr
        self.assertIsNotNone(maxphysaddr, 'x86 hosts report <maxphysaddr>')
        return maxphysaddr.bits

    # --- guests -------------------------------------------------------------

    def spawn(self, flavor: objects.Flavor,
              image: objects.ImageMeta | None = None) -> qemu.QEMUGuest:
        """Boot through the driver; the guest is destroyed after the test."""
        instance = self.instance()
        image = image if image is not None else self.image()
        self.driver.spawn(instance, image, flavor)
        self.addCleanup(self.driver.destroy, instance)
        return qemu.QEMUGuest(libvirt_guest.Guest(
            self.conn.lookupByUUIDString(instance.uuid)))

    def destroy(self, guest: qemu.QEMUGuest) -> None:
        """Stop and undefine a guest (again: a gone guest is fine)."""
        self.driver.destroy(fakes.instance(guest.name, guest.uuid))

    def assertNotDefined(self, instance: objects.Instance) -> None:
        self.assertNotIn(instance.uuid, [
            domain.UUIDString() for domain in self.conn.listAllDomains()])

    def guest_config(self, flavor: objects.Flavor, image=None):
        """The domain our driver builds for ``flavor``, resolved but not
        checked against the host."""
        image = image if image is not None else self.image()
        return self.driver._get_guest_config(
            self.instance(), image, flavor,
            hardware.get_maxphysaddr_request(flavor, image))

    def start_config(self, config) -> qemu.QEMUGuest:
        """Define and start a domain as it is, skipping our driver's checks.

        For asking libvirt and QEMU themselves what they accept.

        :raises libvirt.libvirtError: libvirt's or QEMU's refusal; nothing
            is left defined
        """
        domain = self.conn.defineXML(config.to_xml())
        try:
            domain.create()
        except libvirt.libvirtError:
            domain.undefine()
            raise
        guest = qemu.QEMUGuest(libvirt_guest.Guest(domain))
        self.addCleanup(self.destroy, guest)
        return guest
