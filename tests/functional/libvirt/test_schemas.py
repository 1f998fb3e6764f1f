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

"""Our fixtures and XML against libvirt's own RelaxNG schemas."""

import os
import re
import unittest

import libvirt

from nova import exception
from nova import objects
from nova.virt import hardware
from tests import schemas
from tests import fakes

objects.register_all()

DOMAIN = """<domain type='qemu'>
  <name>schema</name>
  <memory unit='KiB'>65536</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <cpu mode='custom' match='exact'><model>qemu64</model>%s</cpu>
</domain>"""


class CapabilitiesSchemaTest(unittest.TestCase):

    VALID = ('host-capabilities-intel-x86_64-39bit-libvirt-9.0.xml',
             'host-capabilities-intel-x86_64-46bit-libvirt-9.0.xml',
             'host-capabilities-intel-x86_64-no-maxphysaddr-libvirt-8.0.xml',
             'host-capabilities-aarch64-libvirt-9.0.xml')
    # Not what libvirt 9.0 writes: the schema says so too.
    JUNK = {
        'host-capabilities-x86_64-maxphysaddr-junk-bits.xml': 'maxphysaddr',
        'host-capabilities-x86_64-maxphysaddr-no-mode.xml': 'maxphysaddr',
        # 'limit' is libvirt >= 9.3; 9.0's schema does not know it.
        'host-capabilities-x86_64-maxphysaddr-passthrough-limit.xml':
            'maxphysaddr',
    }
    REAL_AMD = 'host-capabilities-amd-x86_64-48bit-libvirt-9.0.xml'

    def test_fixtures_cover_the_directory(self):
        self.assertEqual(
            sorted(self.VALID + tuple(self.JUNK) + (self.REAL_AMD,)),
            sorted(f for f in os.listdir(fakes.FIXTURES)
                   if f.startswith('host-capabilities-')))

    def test_valid_fixtures(self):
        for name in self.VALID:
            with self.subTest(fixture=name):
                schemas.validate_capabilities_xml(fakes.fixture(name))

    def test_junk_fixtures_are_rejected(self):
        for name, element in self.JUNK.items():
            with self.subTest(fixture=name):
                with self.assertRaises(AssertionError) as ctx:
                    schemas.validate_capabilities_xml(
                        fakes.fixture(name))
                self.assertIn('Extra element %s' % element,
                              str(ctx.exception))

    def test_real_host_rejected_only_for_dotted_feature_names(self):
        # libvirt 9.0's capability.rng allows [a-zA-Z0-9\-_]+ for host CPU
        # feature names, but real hosts report sse4.1 and sse4.2.
        doc = fakes.fixture(self.REAL_AMD)
        with self.assertRaises(AssertionError) as ctx:
            schemas.validate_capabilities_xml(doc)
        self.assertIn('Element feature failed to validate attributes',
                      str(ctx.exception))
        schemas.validate_capabilities_xml(
            re.sub(r"name='(sse4)\.([12])'", r"name='\1_\2'", doc))

    def test_libvirt_test_driver_capabilities(self):
        conn = libvirt.open('test:///default')
        self.addCleanup(conn.close)
        schemas.validate_capabilities_xml(conn.getCapabilities())


class DomainSchemaTest(unittest.TestCase):

    def test_both_forms(self):
        for element in ("<maxphysaddr mode='emulate' bits='42'/>",
                        "<maxphysaddr mode='passthrough'/>"):
            with self.subTest(element=element):
                schemas.validate_domain_xml(DOMAIN % element)

    def test_schema_errors_are_reported(self):
        with self.assertRaises(AssertionError) as ctx:
            schemas.validate_domain_xml(
                DOMAIN % "<maxphysaddr mode='host'/>")
        self.assertIn('domain.rng rejects the document:', str(ctx.exception))
        self.assertIn("mode='host'", str(ctx.exception))

    def test_schema_is_not_our_validation(self):
        # libvirt's schema (and its test driver) take what QEMU refuses;
        # the resolver refuses it first.
        flavor = objects.Flavor(memory_mb=2048, vcpus=1, root_gb=0)
        for element, specs, error in (
                ("<maxphysaddr mode='emulate' bits='0'/>",
                 {'hw:maxphysaddr_mode': 'emulate',
                  'hw:maxphysaddr_bits': '0'}, exception.ValidationError),
                ("<maxphysaddr mode='emulate' bits='200'/>",
                 {'hw:maxphysaddr_mode': 'emulate',
                  'hw:maxphysaddr_bits': '200'}, exception.ValidationError),
                ("<maxphysaddr mode='passthrough' bits='42'/>",
                 {'hw:maxphysaddr_mode': 'passthrough',
                  'hw:maxphysaddr_bits': '42'},
                 exception.InvalidMaxPhysAddrRequest)):
            with self.subTest(element=element):
                schemas.validate_domain_xml(DOMAIN % element)
                flavor.extra_specs = specs
                with self.assertRaises(error):
                    hardware.get_maxphysaddr_request(flavor)
