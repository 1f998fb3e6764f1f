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

"""libvirt XML classes: parse/format symmetry, host fixtures, hostile input."""

import inspect
import os
import unittest

from lxml import etree

from nova import exception
from nova.virt.libvirt import config
from nova.virt.libvirt import xmlbuilder

from tests import fakes


def xml_tree(xml):
    """A comparable form of a document: (tag, sorted attributes, text,
    children), whitespace-insensitive."""
    def walk(node):
        return (node.tag, tuple(sorted(node.attrib.items())),
                (node.text or '').strip(), tuple(walk(c) for c in node))
    return walk(etree.fromstring(xml.encode() if isinstance(xml, str)
                                 else xml))


# One document per class, using every field the class has.
SAMPLES = {
    config.LibvirtConfigCPUFeature: "<feature name='avx2'/>",
    config.LibvirtConfigGuestCPUFeature:
        "<feature name='pcid' policy='require'/>",
    config.LibvirtConfigCPUMaxPhysAddr:
        "<maxphysaddr mode='passthrough' bits='46' limit='46'/>",
    config.LibvirtConfigGuestCPUMaxPhysAddr:
        "<maxphysaddr mode='emulate' bits='42'/>",
    config.LibvirtConfigCPU: """
        <cpu>
          <arch>x86_64</arch><model>EPYC-Rome</model><vendor>AMD</vendor>
          <topology sockets='2' dies='1' cores='8' threads='2'/>
          <maxphysaddr mode='emulate' bits='48'/>
          <feature name='vme'/><feature name='sse4.1'/>
        </cpu>""",
    config.LibvirtConfigGuestCPU: """
        <cpu mode='custom' match='exact'>
          <model>qemu64</model><vendor>AMD</vendor>
          <topology sockets='1' dies='1' cores='2' threads='1'/>
          <maxphysaddr mode='emulate' bits='42'/>
          <feature policy='disable' name='svm'/>
        </cpu>""",
    config.LibvirtConfigCapsHost: """
        <host><uuid>00000000-0000-4000-8000-000000000001</uuid>
          <cpu><arch>x86_64</arch>
            <maxphysaddr mode='emulate' bits='39'/></cpu></host>""",
    config.LibvirtConfigCapsGuestDomain: "<domain type='kvm'/>",
    config.LibvirtConfigCapsGuest: """
        <guest><os_type>hvm</os_type>
          <arch name='x86_64'><domain type='qemu'/><domain type='kvm'/>
          </arch></guest>""",
    config.LibvirtConfigCaps: """
        <capabilities>
          <host><uuid>00000000-0000-4000-8000-000000000001</uuid>
            <cpu><arch>aarch64</arch><model>Neoverse-N1</model></cpu></host>
          <guest><os_type>hvm</os_type>
            <arch name='aarch64'><domain type='kvm'/></arch></guest>
        </capabilities>""",
    config.LibvirtConfigGuestMemoryBacking: """
        <memoryBacking><source type='file'/><access mode='shared'/>
        </memoryBacking>""",
    config.LibvirtConfigGuestSerial: "<serial type='pty'/>",
    config.LibvirtConfigGuestMemBalloon: "<memballoon model='none'/>",
    config.LibvirtConfigGuest: """
        <domain type='qemu'>
          <name>instance-00000001</name>
          <uuid>2b1e6a3c-0f25-4bb0-9c8e-7d8e1f6a9e11</uuid>
          <memory unit='KiB'>1572864</memory>
          <vcpu>2</vcpu>
          <memoryBacking><source type='file'/><access mode='shared'/>
          </memoryBacking>
          <os><type arch='x86_64' machine='q35'>hvm</type></os>
          <cpu mode='custom' match='exact'><model>qemu64</model>
            <maxphysaddr mode='emulate' bits='42'/></cpu>
          <devices><serial type='pty'/><memballoon model='none'/></devices>
        </domain>""",
}


class RoundTripTest(unittest.TestCase):

    def test_every_class_has_a_sample(self):
        classes = {cls for _, cls in inspect.getmembers(config,
                                                        inspect.isclass)
                   if issubclass(cls, config.LibvirtConfigObject) and
                   cls is not config.LibvirtConfigObject}
        self.assertEqual(classes, set(SAMPLES))

    def test_parse_then_format_gives_the_document_back(self):
        for cls, xml in SAMPLES.items():
            with self.subTest(cls=cls.__name__):
                obj = cls()
                obj.parse_str(xml)
                self.assertEqual(xml_tree(xml), xml_tree(obj.to_xml()))

    def test_format_then_parse_gives_an_equal_object(self):
        for cls, xml in SAMPLES.items():
            with self.subTest(cls=cls.__name__):
                obj = cls()
                obj.parse_str(xml)
                again = cls()
                again.parse_str(obj.to_xml(pretty_print=False))
                self.assertEqual(obj, again)
                self.assertNotEqual(cls(), obj)

    def test_every_field_of_every_sample_is_set(self):
        # The samples exercise every field, so the round trips above cover
        # each attribute and child description.
        for cls, xml in SAMPLES.items():
            obj = cls()
            obj.parse_str(xml)
            for field in cls._fields:
                with self.subTest(cls=cls.__name__, field=field.name):
                    self.assertNotIn(getattr(obj, field.name), (None, []))

    def test_parse_resets_fields_absent_from_the_document(self):
        cpu = config.LibvirtConfigCPU()
        cpu.parse_str(SAMPLES[config.LibvirtConfigCPU])
        cpu.parse_str('<cpu><arch>aarch64</arch></cpu>')
        self.assertEqual(config.LibvirtConfigCPU(arch='aarch64'), cpu)


class MaxPhysAddrTest(unittest.TestCase):

    def parse(self, xml, cls=config.LibvirtConfigCPUMaxPhysAddr):
        obj = cls()
        obj.parse_str(xml)
        return obj

    def test_host_capabilities_form(self):
        obj = self.parse("<maxphysaddr mode='emulate' bits='46'/>")
        self.assertEqual(('emulate', 46, None),
                         (obj.mode, obj.bits, obj.limit))

    def test_passthrough_without_bits_regression_bug_2099663(self):
        # Upstream Nova did int(bits) and crashed on this element, which is
        # what a passthrough guest (and libvirt >= 9.5 domain capabilities)
        # contain.
        obj = self.parse("<maxphysaddr mode='passthrough'/>")
        self.assertEqual(('passthrough', None), (obj.mode, obj.bits))
        cpu = config.LibvirtConfigGuestCPU()
        cpu.parse_str("<cpu mode='host-passthrough'>"
                      "<maxphysaddr mode='passthrough'/></cpu>")
        self.assertEqual(config.LibvirtConfigGuestCPUMaxPhysAddr(
            mode='passthrough'), cpu.maxphysaddr)

    def test_domain_capabilities_form_with_limit(self):
        obj = self.parse("<maxphysaddr mode='passthrough' limit='46'/>")
        self.assertEqual(('passthrough', None, 46),
                         (obj.mode, obj.bits, obj.limit))

    def test_junk_values_become_unknown_with_a_warning(self):
        for attrs, expected in (
                ("mode='emulate' bits='abc'", ('emulate', None)),
                ("mode='emulate' bits='0'", ('emulate', None)),
                ("mode='emulate' bits='-46'", ('emulate', None)),
                ("mode='emulate' bits=' 46'", ('emulate', None)),
                ("mode='emulate' bits='4_6'", ('emulate', None)),
                ("mode='emulate' bits=''", ('emulate', None)),
                ("mode='EMULATE' bits='46'", (None, 46)),
                ("mode='' bits='46'", (None, 46))):
            with self.subTest(attrs=attrs):
                with self.assertLogs(xmlbuilder.LOG.logger, 'WARNING') as logs:
                    obj = self.parse('<maxphysaddr %s/>' % attrs)
                self.assertEqual(expected, (obj.mode, obj.bits))
                self.assertIn('Ignoring unusable value maxphysaddr/@',
                              logs.output[0])

    def test_missing_mode_is_unknown_without_a_warning(self):
        obj = self.parse("<maxphysaddr bits='46'/>")
        self.assertEqual((None, 46), (obj.mode, obj.bits))

    def test_guest_emulate_xml(self):
        cpu = config.LibvirtConfigGuestCPU(
            mode='custom', model='qemu64',
            maxphysaddr=config.LibvirtConfigGuestCPUMaxPhysAddr(
                mode='emulate', bits=42))
        element = etree.fromstring(cpu.to_xml()).find('maxphysaddr')
        self.assertEqual({'mode': 'emulate', 'bits': '42'},
                         dict(element.attrib))

    def test_guest_passthrough_xml_has_no_bits(self):
        cpu = config.LibvirtConfigGuestCPU(
            mode='host-passthrough',
            maxphysaddr=config.LibvirtConfigGuestCPUMaxPhysAddr(
                mode='passthrough'))
        root = etree.fromstring(cpu.to_xml())
        self.assertEqual({'mode': 'host-passthrough'}, dict(root.attrib))
        self.assertEqual({'mode': 'passthrough'},
                         dict(root.find('maxphysaddr').attrib))

    def test_guest_element_never_carries_limit(self):
        # libvirt 9.0's domain schema has no limit, and nothing asks for it.
        with self.assertRaises(TypeError):
            config.LibvirtConfigGuestCPUMaxPhysAddr(mode='passthrough',
                                                    limit=46)
        obj = self.parse("<maxphysaddr mode='passthrough' limit='46'/>",
                         config.LibvirtConfigGuestCPUMaxPhysAddr)
        self.assertNotIn('limit', etree.fromstring(obj.to_xml()).attrib)


class HostCapabilitiesFixturesTest(unittest.TestCase):
    """Real and real-looking hosts: what the host <cpu> parses to."""

    EXPECTED = {
        # fixture: (arch, vendor, features, maxphysaddr (mode, bits, limit))
        'host-capabilities-amd-x86_64-48bit-libvirt-9.0.xml':
            ('x86_64', 'AMD', 72, ('emulate', 48, None)),
        'host-capabilities-intel-x86_64-39bit-libvirt-9.0.xml':
            ('x86_64', 'Intel', 33, ('emulate', 39, None)),
        'host-capabilities-intel-x86_64-46bit-libvirt-9.0.xml':
            ('x86_64', 'Intel', 42, ('emulate', 46, None)),
        'host-capabilities-intel-x86_64-no-maxphysaddr-libvirt-8.0.xml':
            ('x86_64', 'Intel', 31, None),
        'host-capabilities-aarch64-libvirt-9.0.xml':
            ('aarch64', 'ARM', 17, None),
        'host-capabilities-x86_64-maxphysaddr-passthrough-limit.xml':
            ('x86_64', 'Intel', 31, ('passthrough', None, 46)),
        'host-capabilities-x86_64-maxphysaddr-junk-bits.xml':
            ('x86_64', 'Intel', 31, ('emulate', None, None)),
        'host-capabilities-x86_64-maxphysaddr-no-mode.xml':
            ('x86_64', 'Intel', 31, (None, 46, None)),
    }

    def test_fixtures(self):
        self.assertEqual(
            sorted(self.EXPECTED),
            sorted(f for f in os.listdir(fakes.FIXTURES)
                   if f.startswith('host-capabilities-')))
        for name, (arch, vendor, nfeatures, maxphys) in self.EXPECTED.items():
            with self.subTest(fixture=name):
                caps = config.LibvirtConfigCaps()
                caps.parse_str(fakes.fixture(name))
                cpu = caps.host.cpu
                self.assertEqual((arch, vendor, nfeatures),
                                 (cpu.arch, cpu.vendor, len(cpu.features)))
                got = cpu.maxphysaddr
                self.assertEqual(maxphys, got and (got.mode, got.bits,
                                                   got.limit))

    def test_guests_and_hypervisor_types(self):
        caps = config.LibvirtConfigCaps()
        caps.parse_str(fakes.fixture(fakes.AMD_48))
        self.assertEqual(
            [('hvm', 'i686', ['qemu', 'kvm']),
             ('hvm', 'x86_64', ['qemu', 'kvm'])],
            [(g.ostype, g.arch, [d.type for d in g.domains])
             for g in caps.guests])
        self.assertEqual(
            (1, 1, 2, 1),
            (caps.host.cpu.sockets, caps.host.cpu.dies, caps.host.cpu.cores,
             caps.host.cpu.threads))


class HostileInputTest(unittest.TestCase):

    def assertRefused(self, xml, reason_part):
        caps = config.LibvirtConfigCaps()
        with self.assertRaises(exception.InvalidLibvirtXML) as ctx:
            caps.parse_str(xml)
        self.assertIn('Invalid libvirt XML for capabilities: ',
                      str(ctx.exception))
        self.assertIn(reason_part, str(ctx.exception))

    def test_not_xml(self):
        self.assertRefused('<capabilities><host>', 'Premature end of data')
        self.assertRefused('', 'empty')
        self.assertRefused('not xml', 'Start tag expected')

    def test_entity_expansion_is_refused(self):
        laughs = ('<?xml version="1.0"?><!DOCTYPE capabilities ['
                  '<!ENTITY a "aaaaaaaaaa">'
                  '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                  '<capabilities><host><uuid>&b;</uuid></host>'
                  '</capabilities>')
        self.assertRefused(laughs, 'DOCTYPE are refused')

    def test_external_entity_is_refused(self):
        xxe = ('<!DOCTYPE capabilities [<!ENTITY x SYSTEM '
               '"file:///etc/passwd">]><capabilities><host><uuid>&x;'
               '</uuid></host></capabilities>')
        self.assertRefused(xxe, 'DOCTYPE are refused')

    def test_non_string_input(self):
        self.assertRefused(None, 'expected a string, got NoneType')

    def test_str_with_encoding_declaration_is_accepted(self):
        caps = config.LibvirtConfigCaps()
        caps.parse_str("<?xml version='1.0' encoding='UTF-8'?>"
                       '<capabilities><host><cpu><arch>x86_64</arch></cpu>'
                       '</host></capabilities>')
        self.assertEqual('x86_64', caps.host.cpu.arch)

    def test_wrong_root_element(self):
        with self.assertRaises(exception.InvalidLibvirtXML) as ctx:
            config.LibvirtConfigCPU().parse_str('<domain/>')
        self.assertEqual('Invalid libvirt XML for cpu: expected a <cpu> '
                         'element, got <domain>', str(ctx.exception))


class FormatTest(unittest.TestCase):

    def test_invalid_values_are_never_written(self):
        for obj, message in (
                (config.LibvirtConfigGuestCPUMaxPhysAddr(mode='emulate',
                                                         bits='abc'),
                 "maxphysaddr/@bits: cannot write 'abc': must be a decimal "
                 "integer from 1 to 64"),
                (config.LibvirtConfigGuestCPUMaxPhysAddr(mode='emulate',
                                                         bits=0),
                 'maxphysaddr/@bits: cannot write 0: must be a decimal '
                 'integer from 1 to 64'),
                (config.LibvirtConfigGuestCPUMaxPhysAddr(mode='Emulate',
                                                         bits=42),
                 "maxphysaddr/@mode: cannot write 'Emulate': must be one "
                 "of 'emulate', 'passthrough'"),
                (config.LibvirtConfigGuest(name=42),
                 'domain/name: cannot write 42: must be a string, not a '
                 'int'),
                (config.LibvirtConfigGuest(memory=-1),
                 'domain/memory: cannot write -1: must be a decimal '
                 'integer >= 0')):
            with self.subTest(obj=obj):
                with self.assertRaises(exception.InvalidLibvirtXML) as ctx:
                    obj.to_xml()
                self.assertIn(message, str(ctx.exception))

    def test_child_of_the_wrong_class_is_refused(self):
        cpu = config.LibvirtConfigGuestCPU(
            maxphysaddr=config.LibvirtConfigCPUMaxPhysAddr(mode='emulate',
                                                           bits=42))
        with self.assertRaises(exception.InvalidLibvirtXML) as ctx:
            cpu.to_xml()
        self.assertEqual('Invalid libvirt XML for cpu: maxphysaddr cannot '
                         'hold a LibvirtConfigCPUMaxPhysAddr',
                         str(ctx.exception))

    def test_unknown_field(self):
        with self.assertRaises(TypeError) as ctx:
            config.LibvirtConfigGuestCPU(bits=42)
        self.assertEqual("LibvirtConfigGuestCPU has no field 'bits'",
                         str(ctx.exception))

    def test_guest_cpu_has_no_arch(self):
        # A domain's <cpu> has no <arch>; the guest's is in <os><type>.
        self.assertNotIn('arch', [f.name for f in
                                  config.LibvirtConfigGuestCPU._fields])
        self.assertIn('arch', [f.name for f in
                               config.LibvirtConfigCPU._fields])

    def test_unset_fields_are_not_written(self):
        self.assertEqual(('cpu', (), '', ()),
                         xml_tree(config.LibvirtConfigGuestCPU().to_xml()))

    def test_memory_is_written_in_kib(self):
        root = etree.fromstring(config.LibvirtConfigGuest(
            memory=1536 * 1024 * 1024).to_xml())
        self.assertEqual(('1610612736', {'unit': 'KiB'}),
                         (root.findtext('memory'),
                          dict(root.find('memory').attrib)))


class MemoryParseTest(unittest.TestCase):

    def memory(self, element):
        guest = config.LibvirtConfigGuest()
        guest.parse_str('<domain>%s</domain>' % element)
        return guest.memory

    def test_units(self):
        self.assertEqual(2 * 1024 ** 2,
                         self.memory("<memory unit='GiB'>2</memory>"))
        self.assertEqual(1024, self.memory("<memory unit='MiB'>1</memory>"))
        self.assertEqual(3, self.memory('<memory>3</memory>'))

    def test_unknown_unit_or_junk_is_unknown(self):
        with self.assertLogs(xmlbuilder.LOG.logger, 'WARNING') as logs:
            self.assertIsNone(self.memory("<memory unit='PB'>1</memory>"))
            self.assertIsNone(self.memory("<memory unit='KiB'>x</memory>"))
        self.assertIn("unknown unit 'PB'", logs.output[0])
        self.assertIn("domain/memory='x'", logs.output[1])
