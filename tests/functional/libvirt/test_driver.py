"""The libvirt driver against real libvirt: its built-in test driver.

``test:///default`` runs libvirt's real XML parser in-process, so every guest
the driver builds is defined, read back and compared here, and checked
against libvirt's RelaxNG schema.  The test driver only parses: it accepts
values QEMU would refuse, which is why the driver validates first.
"""

import itertools
import json
import unittest
import uuid

import libvirt
from lxml import etree

import nova.conf
from nova import exception
from nova import objects
from nova.conf import libvirt as libvirt_conf
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import host
from tests import schemas
from tests.unit.virt.libvirt import test_config

CONF = nova.conf.CONF
TEST_URI = 'test:///default'

objects.register_all()


def flavor(memory_mb=2048, **extra_specs):
    return objects.Flavor(memory_mb=memory_mb, vcpus=2, root_gb=0,
                          extra_specs=extra_specs)


def new_instance():
    guest_uuid = str(uuid.uuid4())
    return objects.Instance(uuid=guest_uuid, name='func-' + guest_uuid[:8])


def maxphysaddr_of(xml):
    node = etree.fromstring(xml.encode()).find('cpu/maxphysaddr')
    return None if node is None else dict(node.attrib)


class QEMUFactsHost(host.Host):
    """The real test driver connection, with a QEMU host's facts: libvirt's
    test driver reports hypervisor TEST and an i686 CPU, so nothing would
    get past the driver's checks otherwise."""

    def __init__(self, capabilities_fixture):
        super().__init__(TEST_URI)
        self._fixture = capabilities_fixture

    def get_version(self):
        return 7002000

    def get_hypervisor_type(self):
        return 'QEMU'

    def get_capabilities(self):
        caps = vconfig.LibvirtConfigCaps()
        caps.parse_str(test_config.fixture(self._fixture))
        return caps


class LibvirtTestCase(unittest.TestCase):

    def setUp(self):
        super().setUp()
        self.host = host.Host(TEST_URI)
        self.addCleanup(self.host.close)
        self.conn = self.host.get_connection()

    def flags(self, **options):
        for opt in libvirt_conf.libvirt_opts:
            CONF.clear_override(opt.name, group='libvirt')
        for name, value in options.items():
            CONF.set_override(name, value, group='libvirt')
            self.addCleanup(CONF.clear_override, name, group='libvirt')

    def undefine_later(self, inst):
        def cleanup():
            try:
                domain = self.conn.lookupByUUIDString(inst.uuid)
            except libvirt.libvirtError:
                return
            if domain.isActive():
                domain.destroy()
            domain.undefine()
        self.addCleanup(cleanup)


class HostTest(LibvirtTestCase):

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


class GuestXMLTest(LibvirtTestCase):
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

    def test_every_guest_shape(self):
        drv = libvirt_driver.LibvirtDriver(self.host)
        for (specs, props, expected), flags, file_backed in itertools.product(
                self.REQUESTS, self.CPU_FLAGS, (0, 2 * 1024 * 1024)):
            with self.subTest(specs=specs, props=props, flags=flags,
                              file_backed=file_backed):
                self.flags(file_backed_memory=file_backed, **flags)
                inst = new_instance()
                image_meta = objects.ImageMeta.from_dict(
                    {'properties': props})
                xml = drv._get_guest_config(inst, image_meta,
                                            flavor(**specs)).to_xml()
                schemas.validate_domain_xml(xml)
                domain = self.conn.defineXML(xml)
                self.undefine_later(inst)
                read_back = domain.XMLDesc()
                schemas.validate_domain_xml(read_back)
                self.assertEqual(expected, maxphysaddr_of(read_back))
                self.assertEqual(expected, maxphysaddr_of(xml))
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


class SpawnTest(LibvirtTestCase):

    def driver(self, fixture='host-capabilities-amd-x86_64-48bit-'
                             'libvirt-9.0.xml', **flags):
        self.flags(virt_type='qemu', **flags)
        self.host.close()
        self.host = QEMUFactsHost(fixture)
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
        drv.spawn(inst, None, flavor(1536 * 1024, **{
            'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': '42'}))
        domain = self.conn.lookupByUUIDString(inst.uuid)
        self.assertTrue(domain.isActive())
        self.assertEqual({'mode': 'emulate', 'bits': '42'},
                         maxphysaddr_of(domain.XMLDesc()))
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
            drv.spawn(inst, None, flavor(**{
                'hw:maxphysaddr_mode': 'emulate',
                'hw:maxphysaddr_bits': '42'}))
        self.assertIn("bits=42 is more than the host CPU's 39 physical "
                      "address bits", str(ctx.exception))
        with self.assertRaises(libvirt.libvirtError):
            self.conn.lookupByUUIDString(inst.uuid)

    def test_libvirts_own_refusal_is_carried(self):
        drv = self.driver()
        inst = new_instance()
        other = objects.Instance(uuid=str(uuid.uuid4()), name=inst.name)
        self.undefine_later(inst)
        self.undefine_later(other)
        drv.spawn(inst, None, flavor())
        with self.assertRaises(exception.InstanceBootFailed) as ctx:
            drv.spawn(other, None, flavor())
        self.assertIn('Guest %s failed to define: ' % inst.name,
                      str(ctx.exception))
        self.assertIn("already exists with uuid %s" % inst.uuid,
                      str(ctx.exception))
