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

"""The libvirt driver against real libvirt: its built-in test driver.

``test:///default`` runs libvirt's real XML parser in-process, so every guest
the driver builds is defined, read back and compared here, and checked
against libvirt's RelaxNG schema.  The test driver only parses: it accepts
values QEMU would refuse, which is why the driver validates first.
"""

import itertools
import json
import uuid

import libvirt
from lxml import etree

import nova.conf
from nova import exception
from nova import objects
from nova.virt import hardware
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import driver as libvirt_driver
from tests import schemas
from tests.functional import base as functional_base
from tests import fakes

CONF = nova.conf.CONF
TEST_URI = 'test:///default'

objects.register_all()


def new_instance():
    guest_uuid = str(uuid.uuid4())
    return fakes.instance('func-' + guest_uuid[:8], guest_uuid)


class HostTest(functional_base.TestDriverTestCase):

    def test_facts_from_real_libvirt(self):
        self.assertEqual(libvirt.getVersion(), self.host.get_libversion())
        self.assertEqual('TEST', self.host.get_hypervisor_type())
        self.assertTrue(self.host.has_min_version((0, 9, 0)))
        caps = self.host.get_capabilities()
        self.assertEqual(('i686', None), (caps.host.cpu.arch,
                                          caps.host.cpu.maxphysaddr))

    def test_driver_reports_no_address_space_traits(self):
        drv = libvirt_driver.LibvirtDriver(self.host)
        self.assertEqual({'COMPUTE_ADDRESS_SPACE_EMULATED': False,
                          'COMPUTE_ADDRESS_SPACE_PASSTHROUGH': False},
                         drv.capabilities_as_traits())
        resources = drv.get_available_resource()
        cpu_info = json.loads(resources['cpu_info'])
        self.assertNotIn('maxphysaddr', cpu_info)
        self.assertEqual(('i686', 'TEST', 16),
                         (cpu_info['arch'], resources['hypervisor_type'],
                          resources['vcpus']))


class GuestXMLTest(functional_base.TestDriverTestCase):
    """Every guest shape the driver builds: schema-valid, accepted by
    libvirt's parser, and read back with the same <maxphysaddr>."""

    REQUESTS = (
        ({}, {}, None),
        ({'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': '42'},
         {}, {'mode': 'emulate', 'bits': '42'}),
        ({}, {'hw_maxphysaddr_mode': 'emulate', 'hw_maxphysaddr_bits': 48},
         {'mode': 'emulate', 'bits': '48'}),
        ({'hw:maxphysaddr_mode': 'passthrough'}, {},
         {'mode': 'passthrough'}),
        ({}, {'hw_maxphysaddr_mode': 'passthrough'}, {'mode': 'passthrough'}),
    )
    CPU_FLAGS = (
        {'virt_type': 'kvm'},
        {'virt_type': 'qemu'},
        {'virt_type': 'kvm', 'cpu_mode': 'host-passthrough'},
        {'virt_type': 'qemu', 'cpu_mode': 'custom',
         'cpu_models': ['Skylake-Client']},
        {'virt_type': 'qemu', 'cpu_mode': 'maximum'},
        {'virt_type': 'qemu', 'cpu_mode': 'none'},
    )
    # Nova's default (pc), and q35 from [libvirt]hw_machine_type (the test
    # driver's host is i686).
    MACHINE_TYPES = (None, ['x86_64=q35', 'i686=q35'])

    def test_every_guest_shape(self):
        drv = libvirt_driver.LibvirtDriver(self.host)
        for (specs, props, expected), flags, file_backed, machine in \
                itertools.product(self.REQUESTS, self.CPU_FLAGS,
                                  (0, 2 * 1024 * 1024), self.MACHINE_TYPES):
            with self.subTest(specs=specs, props=props, flags=flags,
                              file_backed=file_backed, machine=machine):
                self.flags(file_backed_memory=file_backed,
                           hw_machine_type=machine, **flags)
                inst = new_instance()
                image_meta = objects.ImageMeta.from_dict(
                    {'properties': props})
                flavor = fakes.flavor(**specs)
                request = hardware.get_maxphysaddr_request(flavor, image_meta)
                xml = drv._get_guest_config(inst, image_meta, flavor,
                                            request).to_xml()
                self.assertEqual(
                    'q35' if machine else 'pc',
                    etree.fromstring(xml.encode()).find('os/type').get(
                        'machine'))
                schemas.validate_domain_xml(xml)
                domain = self.conn.defineXML(xml)
                self.undefine_later(inst)
                read_back = domain.XMLDesc()
                schemas.validate_domain_xml(read_back)
                self.assertEqual(expected, fakes.maxphysaddr_of(read_back))
                self.assertEqual(expected, fakes.maxphysaddr_of(xml))
                # And our own parser reads libvirt's version back the same.
                guest = vconfig.LibvirtConfigGuest()
                guest.parse_str(read_back)
                parsed = guest.cpu.maxphysaddr if guest.cpu else None
                self.assertEqual(
                    expected,
                    parsed and {k: str(v) for k, v in (
                        ('mode', parsed.mode), ('bits', parsed.bits))
                        if v is not None})
                backing = etree.fromstring(read_back.encode()).find(
                    'memoryBacking')
                self.assertEqual(
                    [('source', {'type': 'file'}),
                     ('access', {'mode': 'shared'})] if file_backed else None,
                    None if backing is None else
                    [(n.tag, dict(n.attrib)) for n in backing])
                domain.undefine()


class SpawnTest(functional_base.TestDriverTestCase):

    def driver(self, fixture='host-capabilities-amd-x86_64-48bit-'
                             'libvirt-9.0.xml', **flags):
        self.flags(virt_type='qemu', **flags)
        self.host.close()
        self.host = functional_base.QEMUFactsHost(fixture)
        self.addCleanup(self.host.close)
        self.conn = self.host.get_connection()
        return libvirt_driver.LibvirtDriver(self.host)

    def test_spawn_and_destroy(self):
        drv = self.driver()
        # Passthrough needs KVM: under TCG QEMU would keep 40 bits.
        self.assertEqual({'COMPUTE_ADDRESS_SPACE_EMULATED': True,
                          'COMPUTE_ADDRESS_SPACE_PASSTHROUGH': False},
                         drv.capabilities_as_traits())
        inst = new_instance()
        self.undefine_later(inst)
        drv.spawn(inst, None, fakes.flavor(1536 * 1024, **{
            'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': '42'}))
        domain = self.conn.lookupByUUIDString(inst.uuid)
        self.assertTrue(domain.isActive())
        self.assertEqual({'mode': 'emulate', 'bits': '42'},
                         fakes.maxphysaddr_of(domain.XMLDesc()))
        drv.destroy(inst)
        with self.assertRaises(libvirt.libvirtError) as ctx:
            self.conn.lookupByUUIDString(inst.uuid)
        self.assertEqual(libvirt.VIR_ERR_NO_DOMAIN,
                         ctx.exception.get_error_code())
        drv.destroy(inst)

    def test_refused_before_libvirt(self):
        # The test driver would accept bits above the host's width; the
        # driver does not let it get that far.
        drv = self.driver('host-capabilities-intel-x86_64-39bit-'
                          'libvirt-9.0.xml')
        inst = new_instance()
        self.undefine_later(inst)
        with self.assertRaises(exception.MaxPhysAddrUnsupported) as ctx:
            drv.spawn(inst, None, fakes.flavor(**{
                'hw:maxphysaddr_mode': 'emulate',
                'hw:maxphysaddr_bits': '42'}))
        self.assertIn('host has 39 physical address bits; the guest '
                      '(mode=emulate, bits=42) needs at least 42 bits',
                      str(ctx.exception))
        with self.assertRaises(libvirt.libvirtError):
            self.conn.lookupByUUIDString(inst.uuid)

    def test_libvirts_own_refusal_is_carried(self):
        drv = self.driver()
        inst = new_instance()
        other = objects.Instance(uuid=str(uuid.uuid4()), name=inst.name)
        self.undefine_later(inst)
        self.undefine_later(other)
        drv.spawn(inst, None, fakes.flavor())
        with self.assertRaises(exception.InstanceBootFailed) as ctx:
            drv.spawn(other, None, fakes.flavor())
        self.assertIn('Guest %s failed to define: ' % inst.name,
                      str(ctx.exception))
        self.assertIn("already exists with uuid %s" % inst.uuid,
                      str(ctx.exception))
