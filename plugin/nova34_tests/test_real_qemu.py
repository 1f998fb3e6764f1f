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

"""One guest through Nova 34's own LibvirtDriver on real QEMU.

What the plugin lets through must boot as asked: Nova's driver builds the
guest XML for a flavor with ``hw:maxphysaddr_mode=emulate`` and
``hw:maxphysaddr_bits=42`` that the plugin's rules accept, libvirt's
embedded QEMU driver (``qemu:///embed``, no daemon) starts it, and QEMU
itself reports the width the guest got.  A small guest, as Nova's
file-backed memory would pre-allocate a large one.

Nova's test base poisons ``os.uname`` (its driver reads the host's
architecture with it), so this is a plain test case with its own set-up.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import unittest
import uuid

from nova.compute import power_state
import nova.conf
import nova.conf.neutron
from nova import context as nova_context
from nova import objects
from nova.tests.unit import fake_instance
from nova.virt.libvirt import blockinfo
from nova.virt.libvirt import driver as libvirt_driver

from nova_maxphysaddr import guest as plugin_guest

CONF = nova.conf.CONF
QEMU_BINARY = '/usr/bin/qemu-system-x86_64'
GUEST_MB = 256
DISK_BYTES = 1 << 30
REQUESTED_BITS = 42
# QEMU's x86 CPU object in a guest started by libvirt.
CPU_PATH = '/machine/unattached/device[0]'
# As root, libvirt would run QEMU as its compiled-in user; any other user
# runs it as themselves.
ROOT_QEMU_CONF = 'user = "root"\ngroup = "root"\n'
QEMU_CONF = 'stdio_handler = "file"\n'


# As in the tree's e2e suite (tests/e2e/base.py; this suite runs in the
# real-Nova virtualenv, which cannot import it): .ci/run sets it, and a
# machine without QEMU then fails this test instead of skipping it.
REQUIRE_ENV = 'NOVA_MAXPHYSADDR_REQUIRE_HYPERVISORS'


def _kvm_usable() -> bool:
    try:
        fd = os.open('/dev/kvm', os.O_RDWR)
    except OSError:
        return False
    os.close(fd)
    return True


class _VirtAPI:
    """The little of Nova's VirtAPI the driver's constructor looks at."""


class RealQEMUThroughNovaDriverTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls) -> None:
        # Nova's Host.initialize() registers libvirt's event loop (which
        # the embedded driver needs) on a native thread.  A skip only for
        # a machine without QEMU, never for a missing feature.
        if not os.access(QEMU_BINARY, os.X_OK):
            reason = '%s not installed (tools/bootstrap.sh installs it)' % (
                QEMU_BINARY)
            if os.environ.get(REQUIRE_ENV):
                raise AssertionError('%s is set, but %s' % (REQUIRE_ENV,
                                                            reason))
            raise unittest.SkipTest(reason)

    def setUp(self) -> None:
        super().setUp()
        objects.register_all()
        # As a service's start-up does: no config files, Nova's defaults.
        CONF([], project='nova', default_config_files=[])
        # nova-compute registers these at start-up; the driver reads them.
        nova.conf.neutron.register_dynamic_opts(CONF)
        self.tmp = tempfile.mkdtemp(prefix='nova-maxphysaddr-embed-')
        self.addCleanup(shutil.rmtree, self.tmp, True)
        os.makedirs(os.path.join(self.tmp, 'root', 'etc'))
        with open(os.path.join(self.tmp, 'root', 'etc', 'qemu.conf'),
                  'w') as f:
            f.write((ROOT_QEMU_CONF if os.geteuid() == 0 else '') +
                    QEMU_CONF)
        self.virt_type = 'kvm' if _kvm_usable() else 'qemu'
        for name, value, group in (
                ('connection_uri', 'qemu:///embed?root=%s/root' % self.tmp,
                 'libvirt'),
                ('virt_type', self.virt_type, 'libvirt'),
                # A model that runs under KVM and TCG on this machine kind.
                ('cpu_mode', 'custom', 'libvirt'),
                ('cpu_models', ['kvm64'], 'libvirt'),
                ('instances_path', os.path.join(self.tmp, 'instances'),
                 None),
                # A raw disk: a sparse file, no qemu-img needed.
                ('use_cow_images', False, None)):
            CONF.set_override(name, value, group)
            self.addCleanup(CONF.clear_override, name, group)

    def test_emulate_42_gets_42(self) -> None:
        extra_specs = {'hw:maxphysaddr_mode': 'emulate',
                       'hw:maxphysaddr_bits': str(REQUESTED_BITS)}
        # The plugin's verdict on the flavor: accepted, as asked.
        request = plugin_guest.resolve(GUEST_MB, extra_specs, {})
        self.assertEqual(('emulate', REQUESTED_BITS),
                         (request.mode, request.bits))

        ctxt = nova_context.get_admin_context()
        flavor = objects.Flavor(
            name='large-ram-small', memory_mb=GUEST_MB, vcpus=1, root_gb=1,
            ephemeral_gb=0, swap=0, extra_specs=extra_specs, flavorid='1')
        instance = fake_instance.fake_instance_obj(
            ctxt, uuid=str(uuid.uuid4()), flavor=flavor,
            memory_mb=GUEST_MB, vcpus=1, root_gb=1, ephemeral_gb=0,
            image_ref=str(uuid.uuid4()))
        # What the driver reads that a fake instance lazy-loads from a DB.
        for name, value in (('system_metadata', {}), ('numa_topology', None),
                            ('config_drive', None), ('device_metadata', None),
                            ('trusted_certs', None), ('vcpu_model', None),
                            ('pci_devices', objects.PciDeviceList()),
                            ('pci_requests', objects.InstancePCIRequests(
                                requests=[])),
                            ('resources', None),
                            ('keypairs', objects.KeyPairList(objects=[])),
                            ('migration_context', None)):
            setattr(instance, name, value)
        image_meta = objects.ImageMeta.from_dict(
            {'disk_format': 'raw', 'properties': {}})

        drv = libvirt_driver.LibvirtDriver(_VirtAPI(), read_only=False)
        drv._host.initialize()
        disk_info = blockinfo.get_disk_info(self.virt_type, instance,
                                            image_meta)
        instance_dir = os.path.join(CONF.instances_path, instance.uuid)
        os.makedirs(instance_dir)
        with open(os.path.join(instance_dir, 'disk'), 'wb') as disk:
            disk.truncate(DISK_BYTES)
        xml = drv._get_guest_xml(ctxt, instance, [], disk_info, image_meta)
        self.assertIn("<maxphysaddr mode=\"emulate\" bits=\"%d\"/>"
                      % REQUESTED_BITS, xml)

        guest = drv._host.write_instance_config(xml)
        self.addCleanup(guest.delete_configuration)
        guest.launch()
        self.addCleanup(guest.poweroff)
        self.assertEqual(power_state.RUNNING, guest.get_power_state(drv._host))

        import libvirt_qemu
        reply = json.loads(libvirt_qemu.qemuMonitorCommand(
            guest._domain, json.dumps({
                'execute': 'qom-get',
                'arguments': {'path': CPU_PATH, 'property': 'phys-bits'}}),
            0))
        self.assertEqual(REQUESTED_BITS, reply['return'])
