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

"""LibvirtDriver: traits, cpu_info, guest XML, checks before libvirt."""

import json
from unittest import mock

import os_traits
from lxml import etree

from nova import exception
from nova.virt import hardware
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import host

from tests import base
from tests import fakelibvirt
from tests import fakes

EMULATED = os_traits.COMPUTE_ADDRESS_SPACE_EMULATED
PASSTHROUGH = os_traits.COMPUTE_ADDRESS_SPACE_PASSTHROUGH


class CapabilitiesTest(base.DriverTestCase):

    def test_traits(self):
        host_passthrough = {'cpu_mode': 'host-passthrough'}
        for kwargs, emulated, passthrough_ in (
                # libvirt 9.0 / QEMU 7.2 on x86 hosts that report a width
                ({}, True, True),
                ({'caps': fakes.INTEL_39}, True, True),
                # passthrough takes the host's width only under KVM
                ({'caps': fakes.INTEL_46, 'virt_type': 'qemu'}, True, False),
                # under KVM, host-passthrough and maximum give the guest
                # the host's width whatever phys-bits says: no emulate
                (host_passthrough, False, True),
                ({'cpu_mode': 'maximum'}, False, True),
                ({'virt_type': 'qemu', 'cpu_mode': 'maximum'}, True, False),
                # the version floors: libvirt 8.7.0 and QEMU 2.7.0
                ({'libversion': 8006000}, False, False),
                ({'libversion': 8007000, **host_passthrough}, False, True),
                ({'hv_version': 2006000}, False, False),
                ({'hv_version': 2007000}, True, True),
                # libvirt 8.7.x: passthrough only with a host-passthrough CPU
                ({'libversion': 8007000}, True, False),
                ({'libversion': 8999999}, True, False),
                ({'libversion': 8007000, 'cpu_mode': 'maximum'}, False,
                 False),
                # not QEMU
                ({'hv_type': 'LXC', 'virt_type': 'lxc'}, False, False),
                ({'hv_type': 'TEST', 'hv_version': 2}, False, False),
                # not x86 (upstream Nova reports both here)
                ({'caps': fakes.AARCH64}, False, False),
                # the host's width unknown: nothing to check emulate against
                ({'caps': fakes.NO_ELEMENT}, False, True),
                ({'caps': fakes.PASSTHROUGH_LIMIT}, False, True),
                ({'caps': fakes.JUNK_BITS_CAPS}, False, True),
                ({'caps': fakes.NO_MODE}, True, True)):
            with self.subTest(**kwargs):
                drv = self.driver(**kwargs)
                self.assertEqual({EMULATED: emulated,
                                  PASSTHROUGH: passthrough_},
                                 drv.capabilities_as_traits())
                self.assertEqual(
                    {'supports_address_space_emulated': emulated,
                     'supports_address_space_passthrough': passthrough_},
                    drv.capabilities)

    def test_computed_once_until_init_host(self):
        drv = self.driver(libversion=8006000)
        self.assertEqual({EMULATED: False, PASSTHROUGH: False},
                         drv.capabilities_as_traits())
        self.conn.libversion = 9000000
        # The Host reads the versions once per connection: reconnect, so
        # that only the driver's own cache stands between.
        drv._host.close()
        self.assertEqual({EMULATED: False, PASSTHROUGH: False},
                         drv.capabilities_as_traits())
        drv.init_host('compute1')
        self.assertEqual({EMULATED: True, PASSTHROUGH: True},
                         drv.capabilities_as_traits())


class ConfigurationTest(base.DriverTestCase):

    def test_invalid_combinations(self):
        for flags, message in (
                ({'cpu_mode': 'custom'},
                 "Invalid configuration [libvirt]cpu_mode='custom': needs a "
                 "CPU model: set [libvirt]cpu_models"),
                ({'cpu_mode': 'host-model', 'cpu_models': ['qemu64']},
                 "Invalid configuration [libvirt]cpu_models=['qemu64']: only "
                 "valid with cpu_mode=custom, and cpu_mode is host-model"),
                ({'cpu_models': ['qemu64'], 'virt_type': 'qemu'},
                 "Invalid configuration [libvirt]cpu_models=['qemu64']: only "
                 "valid with cpu_mode=custom, and cpu_mode is None"),
                ({'cpu_mode': 'host-passthrough', 'virt_type': 'qemu'},
                 "Invalid configuration [libvirt]cpu_mode='host-passthrough'"
                 ": QEMU cannot pass the host CPU through under emulation "
                 "(virt_type=qemu); use custom, host-model, maximum or none"),
                ({'cpu_mode': 'host-model', 'virt_type': 'lxc'},
                 "Invalid configuration [libvirt]cpu_mode='host-model': CPU "
                 "modes are only used with virt_type kvm or qemu, not lxc")):
            with self.subTest(**flags):
                drv = self.driver(**flags)
                with self.assertRaises(exception.InvalidConfiguration) as ctx:
                    drv.init_host('compute1')
                self.assertEqual(message, str(ctx.exception))
                with self.assertRaises(exception.InvalidConfiguration):
                    drv._get_guest_config(fakes.instance(), None,
                                          fakes.flavor(), None)

    def test_lxc_reports_but_builds_no_guests(self):
        drv = self.driver(virt_type='lxc', hv_type='LXC')
        drv.init_host('compute1')
        self.assertEqual({EMULATED: False, PASSTHROUGH: False},
                         drv.capabilities_as_traits())
        with self.assertRaises(exception.InvalidConfiguration) as ctx:
            drv._get_guest_config(fakes.instance(), None, fakes.flavor(),
                                  None)
        self.assertEqual("Invalid configuration [libvirt]virt_type='lxc': "
                         "this driver builds guests for kvm and qemu only",
                         str(ctx.exception))


class CPUInfoTest(base.DriverTestCase):

    def test_maxphysaddr_from_each_host(self):
        for caps, expected in (
                (fakes.AMD_48, {'mode': 'emulate', 'bits': 48}),
                (fakes.INTEL_39, {'mode': 'emulate', 'bits': 39}),
                (fakes.INTEL_46, {'mode': 'emulate', 'bits': 46}),
                (fakes.PASSTHROUGH_LIMIT,
                 {'mode': 'passthrough', 'bits': None}),
                (fakes.JUNK_BITS_CAPS, {'mode': 'emulate', 'bits': None}),
                (fakes.NO_MODE, {'mode': None, 'bits': 46})):
            with self.subTest(caps=caps):
                info = self.driver(caps=caps)._get_cpu_info()
                self.assertEqual(expected, info['maxphysaddr'])

    def test_no_element_no_key(self):
        for caps in (fakes.NO_ELEMENT, fakes.AARCH64):
            with self.subTest(caps=caps):
                self.assertNotIn('maxphysaddr',
                                 self.driver(caps=caps)._get_cpu_info())

    def test_the_rest_of_cpu_info(self):
        info = self.driver(caps=fakes.INTEL_46)._get_cpu_info()
        self.assertEqual(
            ('x86_64', 'Cascadelake-Server-noTSX', 'Intel',
             {'sockets': 2, 'cores': 20, 'threads': 2}),
            (info['arch'], info['model'], info['vendor'], info['topology']))
        self.assertEqual(sorted(info['features']), info['features'])
        self.assertEqual(42, len(info['features']))
        self.assertIn('md-clear', info['features'])


class AvailableResourceTest(base.DriverTestCase):

    def test_compute_node_record(self):
        self.conn.cpus = 8
        self.conn.memory_mb = 24000
        self.conn.hostname = 'compute7'
        resources = self.driver(
            caps=fakes.INTEL_39).get_available_resource('n')
        self.assertIsInstance(resources['cpu_info'], str)
        cpu_info = json.loads(resources['cpu_info'])
        self.assertEqual({'mode': 'emulate', 'bits': 39},
                         cpu_info['maxphysaddr'])
        del resources['cpu_info']
        self.assertEqual({
            'vcpus': 8,
            'memory_mb': 24000,
            'local_gb': 0,
            'hypervisor_type': 'QEMU',
            'hypervisor_version': 7002000,
            'hypervisor_hostname': 'compute7',
            'supported_instances': [['i686', 'qemu', 'hvm'],
                                    ['i686', 'kvm', 'hvm'],
                                    ['x86_64', 'qemu', 'hvm'],
                                    ['x86_64', 'kvm', 'hvm']],
        }, resources)

    def test_file_backed_memory_is_the_memory(self):
        self.conn.memory_mb = 24000
        drv = self.driver(file_backed_memory=2 * 1024 * 1024)
        self.assertEqual(2 * 1024 * 1024,
                         drv.get_available_resource()['memory_mb'])

    def test_unknown_guest_types_are_not_reported(self):
        self.driver()
        self.conn.capabilities = fakelibvirt.host_capabilities_xml(
            guest_arches=('x86_64', 'mips64el'), domain_types=('qemu', 'hvf'))
        drv = libvirt_driver.LibvirtDriver(host.Host())
        self.assertEqual([['x86_64', 'qemu', 'hvm']],
                         drv.get_available_resource()['supported_instances'])

    def test_aarch64_host(self):
        resources = self.driver(caps=fakes.AARCH64).get_available_resource()
        self.assertNotIn('maxphysaddr', json.loads(resources['cpu_info']))
        self.assertEqual([['aarch64', 'qemu', 'hvm'],
                          ['aarch64', 'kvm', 'hvm']],
                         resources['supported_instances'])


class GuestConfigTest(base.DriverTestCase):

    def guest_xml(self, flavor_=None, image_meta=None, **driver_kwargs):
        """The domain spawn would define: the request resolved and
        checked once, then the guest built with it."""
        drv = self.driver(**driver_kwargs)
        flavor_ = flavor_ or fakes.flavor()
        request = drv._resolve_and_check(flavor_, image_meta)
        config = drv._get_guest_config(fakes.instance(), image_meta,
                                       flavor_, request)
        return etree.fromstring(config.to_xml().encode())

    def test_domain(self):
        root = self.guest_xml(fakes.flavor(memory_mb=4096, vcpus=3),
                              virt_type='qemu')
        self.assertEqual(
            ('qemu', 'instance-00000001', fakes.UUID, '4194304', 'KiB', '3'),
            (root.get('type'), root.findtext('name'), root.findtext('uuid'),
             root.findtext('memory'), root.find('memory').get('unit'),
             root.findtext('vcpu')))
        # Nova's default machine type on x86: pc (i440fx).
        self.assertEqual(({'arch': 'x86_64', 'machine': 'pc'}, 'hvm'),
                         (dict(root.find('os/type').attrib),
                          root.findtext('os/type')))
        self.assertEqual([('serial', {'type': 'pty'}),
                          ('memballoon', {'model': 'none'})],
                         [(d.tag, dict(d.attrib))
                          for d in root.find('devices')])
        self.assertIsNone(root.find('memoryBacking'))

    def test_no_request_no_element(self):
        for image_meta in (None, fakes.image(),
                           fakes.image(hw_architecture='x86_64')):
            with self.subTest(image_meta=image_meta):
                root = self.guest_xml(fakes.flavor(), image_meta)
                self.assertIsNone(root.find('cpu/maxphysaddr'))

    def test_emulate_from_flavor_or_image(self):
        for flavor_, image_meta in (
                (fakes.emulate(42), None),
                (fakes.flavor(), fakes.image(hw_maxphysaddr_mode='emulate',
                                             hw_maxphysaddr_bits=42)),
                (fakes.flavor(**{'hw:maxphysaddr_mode': 'emulate'}),
                 fakes.image(hw_maxphysaddr_bits=42)),
                (fakes.emulate(42),
                 fakes.image(hw_maxphysaddr_mode='emulate',
                             hw_maxphysaddr_bits=42))):
            with self.subTest(flavor=flavor_.extra_specs, image=image_meta):
                root = self.guest_xml(flavor_, image_meta)
                self.assertEqual({'mode': 'emulate', 'bits': '42'},
                                 dict(root.find('cpu/maxphysaddr').attrib))

    def test_passthrough_has_no_bits(self):
        for flavor_, image_meta in (
                (fakes.passthrough(), None),
                (fakes.flavor(),
                 fakes.image(hw_maxphysaddr_mode='passthrough'))):
            with self.subTest(image=image_meta):
                root = self.guest_xml(flavor_, image_meta,
                                      cpu_mode='host-passthrough')
                self.assertEqual({'mode': 'host-passthrough'},
                                 dict(root.find('cpu').attrib))
                self.assertEqual({'mode': 'passthrough'},
                                 dict(root.find('cpu/maxphysaddr').attrib))

    def test_cpu_modes(self):
        def cpu(root):
            node = root.find('cpu')
            if node is None:
                return None
            element = node.find('maxphysaddr')
            return (dict(node.attrib), node.findtext('model'),
                    None if element is None else dict(element.attrib))

        emulate_42 = {'mode': 'emulate', 'bits': '42'}
        for flags, flavor_, expected in (
                ({}, fakes.flavor(), ({'mode': 'host-model'}, None, None)),
                ({'virt_type': 'qemu'}, fakes.flavor(),
                 ({'mode': 'custom', 'match': 'exact'}, 'qemu64', None)),
                ({'virt_type': 'qemu'}, fakes.emulate(42),
                 ({'mode': 'custom', 'match': 'exact'}, 'qemu64',
                  emulate_42)),
                ({'cpu_mode': 'custom', 'cpu_models': ['Skylake-Client',
                                                       'qemu64']},
                 fakes.emulate(42),
                 ({'mode': 'custom', 'match': 'exact'}, 'Skylake-Client',
                  emulate_42)),
                ({'virt_type': 'qemu', 'cpu_mode': 'maximum'},
                 fakes.emulate(42),
                 ({'mode': 'maximum'}, None, emulate_42)),
                ({'cpu_mode': 'host-passthrough'}, fakes.flavor(),
                 ({'mode': 'host-passthrough'}, None, None)),
                # none: the hypervisor's default CPU; a <cpu> element only to
                # carry <maxphysaddr>
                ({'cpu_mode': 'none'}, fakes.flavor(), None),
                ({'cpu_mode': 'none'}, fakes.emulate(42),
                 ({}, None, emulate_42))):
            with self.subTest(flags=flags, specs=flavor_.extra_specs):
                self.assertEqual(expected, cpu(self.guest_xml(flavor_,
                                                              **flags)))

    def test_guest_arch_and_machine(self):
        for props, arch, machine in (
                ({}, 'x86_64', 'pc'),
                ({'hw_architecture': 'i686'}, 'i686', 'pc'),
                ({'hw_architecture': 'amd64'}, 'x86_64', 'pc'),
                ({'hw_architecture': 'aarch64'}, 'aarch64', None)):
            with self.subTest(props=props):
                root = self.guest_xml(fakes.flavor(), fakes.image(**props))
                self.assertEqual((arch, machine),
                                 (root.find('os/type').get('arch'),
                                  root.find('os/type').get('machine')))

    def test_machine_type_image_then_option_then_pc(self):
        def machine(image_meta=None, **flags):
            root = self.guest_xml(fakes.flavor(), image_meta, **flags)
            return root.find('os/type').get('machine')

        option = {'hw_machine_type': ['x86_64=q35', 'aarch64=virt']}
        for image_meta, flags, expected in (
                (None, {}, 'pc'),
                (fakes.image(), {}, 'pc'),
                (None, option, 'q35'),
                (fakes.image(), option, 'q35'),
                (fakes.image(hw_architecture='aarch64'), option, 'virt'),
                (fakes.image(hw_machine_type='pc-q35-7.2'), {},
                 'pc-q35-7.2'),
                (fakes.image(hw_machine_type='pc-i440fx-8.2'), option,
                 'pc-i440fx-8.2'),
                (fakes.image(hw_machine_type='q35'),
                 {'hw_machine_type': ['x86_64=pc']}, 'q35')):
            with self.subTest(image=image_meta, flags=flags):
                self.assertEqual(expected, machine(image_meta, **flags))

    def test_the_width_check_uses_the_guests_machine_type(self):
        # 1 GiB at 33 bits: enough for pc, not for q35 (36).
        root = self.guest_xml(fakes.emulate(33, memory_mb=1024))
        self.assertEqual(('pc', {'mode': 'emulate', 'bits': '33'}),
                         (root.find('os/type').get('machine'),
                          dict(root.find('cpu/maxphysaddr').attrib)))
        for image_meta, flags in (
                (fakes.image(hw_machine_type='q35'), {}),
                (None, {'hw_machine_type': ['x86_64=q35']})):
            with self.subTest(image=image_meta, flags=flags):
                with self.assertRaises(
                        exception.MaxPhysAddrBitsTooSmall) as ctx:
                    self.guest_xml(fakes.emulate(33, memory_mb=1024),
                                   image_meta, **flags)
                self.assertIn('needs at least 36 physical address bits',
                              str(ctx.exception))

    def test_aarch64_host_guest(self):
        root = self.guest_xml(fakes.flavor(), None, caps=fakes.AARCH64)
        self.assertEqual({'arch': 'aarch64'},
                         dict(root.find('os/type').attrib))

    def test_file_backed_memory(self):
        root = self.guest_xml(fakes.emulate(42, memory_mb=1536 * 1024),
                              file_backed_memory=2 * 1024 * 1024)
        self.assertEqual(
            [('source', {'type': 'file'}), ('access', {'mode': 'shared'})],
            [(n.tag, dict(n.attrib)) for n in root.find('memoryBacking')])
        self.assertEqual(str(1536 * 1024 * 1024), root.findtext('memory'))

    def test_the_resolver_decides(self):
        # The driver never reads the keys itself: whatever the one resolver
        # returns is what the guest gets.
        request = hardware.MaxPhysAddrRequest('emulate', 44)
        with mock.patch.object(hardware, 'get_maxphysaddr_request',
                               return_value=request) as resolver:
            root = self.guest_xml(fakes.flavor(), fakes.image())
        self.assertEqual({'mode': 'emulate', 'bits': '44'},
                         dict(root.find('cpu/maxphysaddr').attrib))
        self.assertEqual(1, resolver.call_count)

    def test_invalid_requests_raise_the_resolvers_errors(self):
        for flavor_, image_meta, error, message in (
                (fakes.flavor(**{'hw:maxphysaddr_mode': 'emulate'}), None,
                 exception.InvalidMaxPhysAddrRequest,
                 'hw:maxphysaddr_mode=emulate needs the width'),
                (fakes.emulate(42), fakes.image(hw_maxphysaddr_bits=43),
                 exception.FlavorImageConflict,
                 'the flavor sets hw:maxphysaddr_bits=42 but the image '
                 'sets hw_maxphysaddr_bits=43'),
                (fakes.emulate(36, memory_mb=1536 * 1024), None,
                 exception.MaxPhysAddrBitsTooSmall,
                 'needs at least 42 physical address bits'),
                (fakes.flavor(**{'hw:maxphysaddr_bits': 'abc'}), None,
                 exception.ValidationError,
                 "Invalid extra spec hw:maxphysaddr_bits='abc'")):
            with self.subTest(error=error):
                with self.assertRaises(error) as ctx:
                    self.guest_xml(flavor_, image_meta)
                self.assertIn(message, str(ctx.exception))


class SpawnTestCase(base.DriverTestCase):
    """Spawn a guest, or show that the driver refuses it before libvirt."""

    def spawn(self, flavor_, image_meta=None, inst=None, **driver_kwargs):
        drv = self.driver(**driver_kwargs)
        drv.spawn(inst or fakes.instance(), image_meta, flavor_)
        return drv

    def assertUnsupported(self, flavor_, reason, image_meta=None,
                          request='mode=emulate, bits=42',
                          libvirt_refuses=True, **driver_kwargs):
        drv = self.driver(**driver_kwargs)
        with self.assertRaises(exception.MaxPhysAddrUnsupported) as ctx:
            drv.spawn(fakes.instance(), image_meta, flavor_)
        self.assertTrue(ctx.exception.reschedulable)
        self.assertEqual(
            "Host compute1 cannot honour the guest's maxphysaddr request "
            "(%s): %s" % (request, reason), str(ctx.exception))
        self.assertEqual([], self.conn.defined)
        if libvirt_refuses:
            # ... and we said so before libvirt's QEMU driver would have.
            xml = drv._get_guest_config(
                fakes.instance(), image_meta, flavor_,
                hardware.get_maxphysaddr_request(flavor_,
                                                 image_meta)).to_xml()
            with self.assertRaises(fakelibvirt.libvirtError) as ctx:
                self.conn.defineXML(xml)
            self.assertEqual(fakelibvirt.VIR_ERR_CONFIG_UNSUPPORTED,
                             ctx.exception.get_error_code())


class SpawnTest(SpawnTestCase):

    def test_started(self):
        self.spawn(fakes.emulate(42), virt_type='qemu')
        domain = self.conn.lookupByUUIDString(fakes.UUID)
        self.assertEqual((1, 1), (domain.isActive(), domain.isPersistent()))
        self.assertEqual({'mode': 'emulate', 'bits': '42'},
                         fakes.maxphysaddr_of(domain.XMLDesc()))

    def test_started_at_the_hosts_width(self):
        self.spawn(fakes.emulate(39), caps=fakes.INTEL_39)
        self.assertEqual({'mode': 'emulate', 'bits': '39'},
                         fakes.maxphysaddr_of(self.conn.defined[0]))

    def test_started_without_a_request_anywhere(self):
        # Hosts that cannot do maxphysaddr still run guests that do not ask.
        for caps, libversion in ((fakes.AARCH64, 9000000),
                                 (fakes.NO_ELEMENT, 8000000)):
            with self.subTest(caps=caps):
                drv = self.spawn(fakes.flavor(), caps=caps,
                                 libversion=libversion)
                self.assertIsNone(fakes.maxphysaddr_of(self.conn.defined[-1]))
                self.assertEqual(1, self.conn.lookupByUUIDString(
                    fakes.UUID).isActive())
                drv.destroy(fakes.instance())

    def test_passthrough(self):
        for flags in ({'cpu_mode': 'host-passthrough'}, {}):
            with self.subTest(**flags):
                drv = self.spawn(fakes.passthrough(), **flags)
                self.assertEqual({'mode': 'passthrough'},
                                 fakes.maxphysaddr_of(self.conn.defined[-1]))
                drv.destroy(fakes.instance())

    def test_passthrough_width_must_hold_the_ram(self):
        # The API cannot check a width it does not know; this host can.
        self.assertUnsupported(
            fakes.passthrough(1536 * 1024),
            'host has 39 physical address bits; the guest (mode=passthrough) '
            'would get them, too few for its 1572864 MiB of RAM (it needs at '
            'least 42)',
            request='mode=passthrough', libvirt_refuses=False,
            caps=fakes.INTEL_39)
        self.spawn(fakes.passthrough(1536 * 1024), caps=fakes.INTEL_46)
        self.assertEqual({'mode': 'passthrough'},
                         fakes.maxphysaddr_of(self.conn.defined[-1]))

    def test_passthrough_needs_kvm(self):
        # Under TCG QEMU accepts host-phys-bits=on and keeps 40 bits
        # (tests/e2e/test_phys_bits.py): refuse rather than half-work.
        self.assertUnsupported(
            fakes.passthrough(),
            "QEMU gives a guest the host's width only under KVM; with "
            "virt_type=qemu the guest would keep QEMU's default 40 bits "
            "(measured with QEMU 7.2 under TCG)",
            request='mode=passthrough', libvirt_refuses=False,
            virt_type='qemu')

    def test_passthrough_on_libvirt_8_7_needs_host_passthrough(self):
        self.assertUnsupported(
            fakes.passthrough(),
            'libvirt 8.7.0 accepts mode=passthrough only with '
            '[libvirt]cpu_mode=host-passthrough (it is host-model); libvirt '
            '>= 9.0.0 accepts any CPU mode',
            request='mode=passthrough', libversion=8007000)
        self.spawn(fakes.passthrough(), libversion=8007000,
                   cpu_mode='host-passthrough')
        self.assertEqual({'mode': 'passthrough'},
                         fakes.maxphysaddr_of(self.conn.defined[-1]))

    def test_bits_above_the_hosts_width(self):
        self.assertUnsupported(
            fakes.emulate(42), 'host has 39 physical address bits; the guest '
            '(mode=emulate, bits=42) needs at least 42 bits',
            caps=fakes.INTEL_39)

    def test_hosts_width_unknown(self):
        for caps in (fakes.NO_ELEMENT, fakes.JUNK_BITS_CAPS,
                     fakes.PASSTHROUGH_LIMIT):
            with self.subTest(caps=caps):
                self.assertUnsupported(
                    fakes.emulate(42), "the host capabilities do not report "
                    "the host's physical address width, so no width can be "
                    "checked against it", caps=caps, libvirt_refuses=False)

    def test_old_libvirt_or_qemu(self):
        for kwargs, versions in (
                ({'libversion': 8006000}, 'libvirt 8.6.0 with QEMU 7.2.0'),
                ({'hv_version': 2006000}, 'libvirt 9.0.0 with QEMU 2.6.0')):
            with self.subTest(**kwargs):
                self.assertUnsupported(
                    fakes.emulate(42), 'it needs libvirt >= 8.7.0 with QEMU '
                    '>= 2.7.0; this host has ' + versions,
                    libvirt_refuses=False, **kwargs)

    def test_non_x86_host(self):
        self.assertUnsupported(
            fakes.emulate(42), 'the physical address width can only be set on '
            'x86_64, and this host is aarch64', caps=fakes.AARCH64)

    def test_non_x86_guest(self):
        # No host could start it, so the resolver refuses it before any
        # host is tried (libvirt refuses it too: see the fake's defineXML).
        drv = self.driver()
        with self.assertRaises(exception.InvalidMaxPhysAddrRequest) as ctx:
            drv.spawn(fakes.instance(), fakes.image(hw_architecture='aarch64'),
                      fakes.emulate(42))
        self.assertEqual(
            'Invalid maxphysaddr request: hw:maxphysaddr_mode=emulate sets '
            "the guest's physical address width, which only x86_64 guests "
            'have, but the image sets hw_architecture=aarch64; remove '
            'hw:maxphysaddr_mode, or use an x86_64 image', str(ctx.exception))
        self.assertFalse(ctx.exception.reschedulable)
        self.assertEqual([], self.conn.defined)

    def test_machine_type_without_a_known_memory_map(self):
        drv = self.driver()
        with self.assertRaises(exception.InvalidMaxPhysAddrRequest) as ctx:
            drv.spawn(fakes.instance(), fakes.image(hw_machine_type='microvm'),
                      fakes.emulate(42))
        self.assertEqual(
            "Invalid maxphysaddr request: hw:maxphysaddr_mode=emulate needs "
            "the guest's memory map, but its machine type is 'microvm'; the "
            "width rule knows q35 and pc (and their versioned types)",
            str(ctx.exception))
        self.assertFalse(ctx.exception.reschedulable)
        self.assertEqual([], self.conn.defined)
        # Without a request, any machine type.
        self.spawn(fakes.flavor(), fakes.image(hw_machine_type='microvm'))
        self.assertEqual('microvm', etree.fromstring(
            self.conn.defined[-1].encode()).find('os/type').get('machine'))

    def test_invalid_request_is_not_reschedulable(self):
        drv = self.driver()
        with self.assertRaises(exception.InvalidMaxPhysAddrRequest) as ctx:
            drv.spawn(fakes.instance(), None, fakes.flavor(**{
                'hw:maxphysaddr_mode': 'passthrough',
                'hw:maxphysaddr_bits': '42'}))
        self.assertFalse(ctx.exception.reschedulable)
        self.assertEqual([], self.conn.defined)

    def test_qemu_refuses_to_start(self):
        self.conn.start_error = (
            'internal error: qemu unexpectedly closed the monitor: '
            'qemu-system-x86_64: Address space limit 0xffffffffff < '
            '0x2877fffffff phys-bits too low (40)')
        # QEMU's address for a 1.5 TiB q35 guest.
        drv = self.driver(virt_type='qemu', hw_machine_type=['x86_64=q35'])
        with self.assertRaises(exception.InstanceBootFailed) as ctx:
            drv.spawn(fakes.instance(), None,
                      fakes.flavor(memory_mb=fakes.LARGE_MB))
        self.assertEqual(
            'Guest instance-00000001 failed to start: internal error: qemu '
            'unexpectedly closed the monitor: qemu-system-x86_64: Address '
            'space limit 0xffffffffff < 0x2877fffffff phys-bits too low (40)',
            str(ctx.exception))
        self.assertFalse(ctx.exception.reschedulable)
        # Nothing is left behind.
        self.assertEqual([], self.conn.listAllDomains())

    def test_start_and_cleanup_fail(self):
        self.conn.start_error = 'QEMU died'
        self.conn.undefine_error = 'disk full'
        drv = self.driver()
        with self.assertLogs(libvirt_driver.LOG.logger, 'WARNING') as logs:
            with self.assertRaises(exception.InstanceBootFailed) as ctx:
                drv.spawn(fakes.instance(), None, fakes.flavor())
        self.assertEqual('Guest instance-00000001 failed to start: QEMU died',
                         str(ctx.exception))
        self.assertIn('Could not undefine guest instance-00000001 after it '
                      'failed to start: disk full', logs.output[0])

    def test_libvirt_refuses_to_define(self):
        drv = self.driver()
        self.conn.defineXML = mock.Mock(side_effect=fakelibvirt.libvirtError(
            'XML error: bad'))
        with self.assertRaises(exception.InstanceBootFailed) as ctx:
            drv.spawn(fakes.instance(), None, fakes.flavor())
        self.assertEqual('Guest instance-00000001 failed to define: XML '
                         'error: bad', str(ctx.exception))

    def test_existing_domain_is_left_alone(self):
        drv = self.spawn(fakes.flavor())
        before = self.conn.lookupByUUIDString(fakes.UUID).XMLDesc()
        with self.assertRaises(exception.InstanceBootFailed) as ctx:
            drv.spawn(fakes.instance(name='other'), None, fakes.emulate(42))
        self.assertEqual('Guest other failed to define: libvirt already has '
                         'a domain with UUID %s' % fakes.UUID,
                         str(ctx.exception))
        domain = self.conn.lookupByUUIDString(fakes.UUID)
        self.assertEqual((1, before), (domain.isActive(), domain.XMLDesc()))

    def test_lookup_errors_other_than_not_found_propagate(self):
        drv = self.driver()
        self.conn.lookupByUUIDString = mock.Mock(
            side_effect=fakelibvirt.libvirtError(
                'connection lost', fakelibvirt.VIR_ERR_INTERNAL_ERROR))
        with self.assertRaises(fakelibvirt.libvirtError):
            drv.spawn(fakes.instance(), None, fakes.flavor())


class HostWidthCPUModesTest(SpawnTestCase):
    """Under KVM, QEMU's host and max CPU models (cpu_mode host-passthrough
    and maximum) give the guest the host's width whatever phys-bits says:
    such a host cannot honour emulate (measured: doc/source/admin/
    libvirt-driver.rst)."""

    def reason(self, cpu_mode, bits=48, versions='libvirt 9.0.0 with QEMU '
               '7.2.0'):
        return ("with [libvirt]cpu_mode=%s under KVM, QEMU's CPU model takes "
                "the host's %d physical address bits (host-phys-bits=on) "
                "whatever phys-bits says, and %s does not turn that off: the "
                "guest would not get the width it asks for; use cpu_mode "
                "custom, host-model or none" % (cpu_mode, bits, versions))

    def test_no_emulated_trait_under_kvm(self):
        for cpu_mode in ('host-passthrough', 'maximum'):
            for flags in ({}, {'virt_type': 'kvm'}):
                with self.subTest(cpu_mode=cpu_mode, **flags):
                    drv = self.driver(cpu_mode=cpu_mode, **flags)
                    drv.init_host('compute1')
                    # passthrough is unaffected (libvirt 9.0: any CPU mode).
                    self.assertEqual({EMULATED: False, PASSTHROUGH: True},
                                     drv.capabilities_as_traits())
                    self.assertEqual(
                        {'emulate': self.reason(cpu_mode),
                         'passthrough': None},
                        drv.get_maxphysaddr_support())

    def test_reason_names_the_hosts_width_and_versions(self):
        drv = self.driver(caps=fakes.INTEL_39, libversion=8007000,
                          cpu_mode='host-passthrough')
        self.assertEqual(
            self.reason('host-passthrough', 39,
                        'libvirt 8.7.0 with QEMU 7.2.0'),
            drv.get_maxphysaddr_support()['emulate'])

    def test_spawn_refuses_emulate_before_libvirt(self):
        for cpu_mode in ('host-passthrough', 'maximum'):
            with self.subTest(cpu_mode=cpu_mode):
                # libvirt itself accepts the guest (and QEMU would start it
                # with the host's width): the driver must refuse.
                self.assertUnsupported(
                    fakes.emulate(42), self.reason(cpu_mode),
                    libvirt_refuses=False, cpu_mode=cpu_mode)
                self.assertUnsupported(
                    fakes.flavor(), self.reason(cpu_mode),
                    image_meta=fakes.image(hw_maxphysaddr_mode='emulate',
                                           hw_maxphysaddr_bits=42),
                    libvirt_refuses=False, cpu_mode=cpu_mode)

    def test_passthrough_still_spawns(self):
        for cpu_mode in ('host-passthrough', 'maximum'):
            with self.subTest(cpu_mode=cpu_mode):
                drv = self.spawn(fakes.passthrough(), cpu_mode=cpu_mode)
                self.assertEqual({'mode': 'passthrough'},
                                 fakes.maxphysaddr_of(self.conn.defined[-1]))
                drv.destroy(fakes.instance())

    def test_tcg_maximum_honours_emulate(self):
        drv = self.driver(virt_type='qemu', cpu_mode='maximum')
        self.assertIsNone(drv.get_maxphysaddr_support()['emulate'])
        self.assertTrue(drv.capabilities_as_traits()[EMULATED])
        drv.spawn(fakes.instance(), None, fakes.emulate(42))
        root = etree.fromstring(self.conn.defined[-1].encode())
        self.assertEqual(({'mode': 'maximum'},
                          {'mode': 'emulate', 'bits': '42'}),
                         (dict(root.find('cpu').attrib),
                          dict(root.find('cpu/maxphysaddr').attrib)))

    def test_other_cpu_modes_under_kvm_honour_emulate(self):
        for flags in ({}, {'cpu_mode': 'host-model'}, {'cpu_mode': 'none'},
                      {'cpu_mode': 'custom', 'cpu_models': ['qemu64']}):
            with self.subTest(**flags):
                drv = self.spawn(fakes.emulate(42), **flags)
                self.assertEqual({'mode': 'emulate', 'bits': '42'},
                                 fakes.maxphysaddr_of(self.conn.defined[-1]))
                drv.destroy(fakes.instance())


class DestroyTest(base.DriverTestCase):

    def test_running_guest(self):
        drv = self.driver()
        drv.spawn(fakes.instance(), None, fakes.flavor())
        drv.destroy(fakes.instance())
        self.assertEqual([], self.conn.listAllDomains())

    def test_idempotent(self):
        drv = self.driver()
        drv.destroy(fakes.instance())
        drv.spawn(fakes.instance(), None, fakes.flavor())
        drv.destroy(fakes.instance())
        drv.destroy(fakes.instance())
        self.assertEqual([], self.conn.listAllDomains())

    def test_stopped_guest(self):
        drv = self.driver()
        self.conn.defineXML(drv._get_guest_config(
            fakes.instance(), None, fakes.flavor(), None).to_xml())
        drv.destroy(fakes.instance())
        self.assertEqual([], self.conn.listAllDomains())

    def test_failure(self):
        drv = self.driver()
        drv.spawn(fakes.instance(), None, fakes.flavor())
        self.conn.undefine_error = 'permission denied'
        with self.assertRaises(exception.InstanceTerminationFailure) as ctx:
            drv.destroy(fakes.instance())
        self.assertEqual('Guest instance-00000001 could not be destroyed: '
                         'permission denied', str(ctx.exception))
