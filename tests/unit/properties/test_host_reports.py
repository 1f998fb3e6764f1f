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

"""Property tests: whatever libvirt reports, the compute host reports what
the contract says, or refuses with our error; the scheduler never raises.

Host capabilities documents are generated and mutated (missing, duplicate
and renamed elements, junk attributes, huge numbers, entities and DTDs,
truncation) and served by a fake libvirt connection, together with
arbitrary libvirt and QEMU version numbers.  Every document is either
refused with ``InvalidHostCapabilities`` or turned into traits and a
compute node record that match an independent reading of the document;
that record then goes through ``HostState`` and both filters.
"""

import json

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
import os_traits

from nova import exception
from nova.scheduler import filter_handler
from nova.scheduler.filters import image_props_filter
from nova.scheduler import host_manager
from nova.virt.libvirt import host

from tests import base
from tests import fakes
from tests import properties  # noqa: F401  (loads the hypothesis profile)
from tests import schemas
from tests.unit.properties import hosts

EMULATED = os_traits.COMPUTE_ADDRESS_SPACE_EMULATED
PASSTHROUGH = os_traits.COMPUTE_ADDRESS_SPACE_PASSTHROUGH
CAPS_REFUSED = 'Cannot use the host capabilities document: '
# A plausible host width (an address is 64 bits): what the driver and the
# scheduler both read as a width; anything larger is unknown to both.
MAX_HOST_BITS = 64
QEMU_7_2 = 7002000

# One request of each kind the filters treat differently.
REQUESTS = (
    fakes.flavor_bits(40),
    fakes.image_bits(46, hw_architecture='x86_64'),
    fakes.spec({'hw:maxphysaddr_mode': 'passthrough'}),
    fakes.spec({'capabilities:cpu_info:maxphysaddr:bits': '>= 40',
                'capabilities:cpu_info:arch': 's== x86_64'},
               {'img_hv_requested_version': '>=7.0', 'hw_vm_mode': 'hvm'}),
    fakes.spec(),
)


class CapabilitiesDocumentTest(base.LibvirtTestCase):

    def schedule(self, record):
        """The record through HostState and both filters, which must
        answer every request without raising."""
        state = host_manager.HostState('h', 'n')
        state.update(record)
        for spec in REQUESTS:
            for host_filter in filter_handler.get_filters():
                self.assertIsInstance(host_filter.host_passes(state, spec),
                                      bool)
        return state

    @given(hosts.mutated_capabilities())
    def test_refused_with_our_error_or_reported_as_the_document_says(
            self, xml):
        cpu = hosts.host_cpu(xml)
        with hosts.libvirt_flags(), hosts.fake_compute(
                capabilities=xml) as (driver, conn):
            try:
                driver._host.get_capabilities()
            except exception.InvalidHostCapabilities as exc:
                self.assertTrue(str(exc).startswith(CAPS_REFUSED), exc)
                self.assertIsNone(cpu, 'a usable document was refused')
                # The service cannot start on it: every report refuses alike.
                self.assertRaises(exception.InvalidHostCapabilities,
                                  driver.capabilities_as_traits)
                self.assertRaises(exception.InvalidHostCapabilities,
                                  driver.get_available_resource)
                return
            self.assertIsNotNone(cpu, 'an unusable document was accepted')
            traits = driver.capabilities_as_traits()
            record = driver.get_available_resource()

        element = hosts.maxphysaddr_element(cpu)
        bits = None if element is None else hosts.width(element.get('bits'))
        if bits is not None and bits > MAX_HOST_BITS:
            bits = None
        x86 = hosts.is_x86_64(cpu)
        self.assertEqual({EMULATED: x86 and bits is not None,
                          PASSTHROUGH: x86}, traits)

        cpu_info = json.loads(record['cpu_info'])
        if element is None:
            self.assertNotIn('maxphysaddr', cpu_info)
        else:
            mode = element.get('mode')
            self.assertEqual(
                {'mode': mode if mode in ('emulate', 'passthrough') else None,
                 'bits': bits}, cpu_info['maxphysaddr'])

        state = self.schedule(record)
        self.assertEqual(bits, state.maxphysaddr_bits)

    @given(hosts.generated_capabilities())
    def test_generated_documents_are_libvirts(self, root):
        # The generator writes what libvirt's own schema accepts, so the
        # mutations above start from real documents.
        schemas.validate_capabilities_xml(etree.tostring(root))


class VersionsTest(base.LibvirtTestCase):

    @given(hosts.versions, hosts.versions,
           st.sampled_from(['QEMU'] * 4 + ['TEST', 'LXC']),
           st.sampled_from([None, 'host-passthrough', 'maximum']),
           st.sampled_from(hosts.FIXTURE_TREES))
    def test_traits_follow_the_version_floors_or_name_the_bad_version(
            self, libversion, hv_version, hv_type, cpu_mode, caps):
        xml = etree.tostring(caps, encoding='unicode')
        cpu = hosts.host_cpu(xml)
        element = hosts.maxphysaddr_element(cpu)
        with hosts.libvirt_flags(cpu_mode=cpu_mode), hosts.fake_compute(
                capabilities=xml, libversion=libversion,
                hv_version=hv_version, hv_type=hv_type) as (driver, conn):
            # Every version a host reports must be usable, whether or not it
            # decides a trait: the compute node record carries both.
            bad = [(name, v) for name, v in (('libvirt', libversion),
                                             (hv_type, hv_version))
                   if not hosts.is_version(v)]
            try:
                traits = driver.capabilities_as_traits()
            except exception.InvalidHypervisorVersion as exc:
                self.assertTrue(bad, 'valid versions refused: %s' % exc)
                name, value = bad[0]
                self.assertEqual(
                    'Invalid %s version %r: libvirt reports versions as a '
                    'non-negative integer, major * 1000000 + minor * 1000 + '
                    'release' % (name, value), str(exc))
            else:
                self.assertFalse(bad, 'junk version accepted')
                new_enough = (libversion >= hosts.LIBVIRT_8_7 and
                              hv_type == 'QEMU' and
                              hv_version >= hosts.QEMU_2_7 and
                              hosts.is_x86_64(cpu))
                has_bits = (element is not None and
                            hosts.width(element.get('bits')) is not None)
                # Under KVM (the default virt_type), QEMU's host and max CPU
                # models take the host's width whatever phys-bits says.
                host_width_cpu = cpu_mode in ('host-passthrough', 'maximum')
                self.assertEqual({
                    EMULATED: new_enough and has_bits and not host_width_cpu,
                    PASSTHROUGH: new_enough and (
                        libversion >= hosts.LIBVIRT_9_0 or
                        cpu_mode == 'host-passthrough'),
                }, traits)
            # The record carries the hypervisor's version, not libvirt's.
            if not hosts.is_version(hv_version):
                self.assertRaises(exception.InvalidHypervisorVersion,
                                  driver.get_available_resource)
                return
            record = driver.get_available_resource()
        state = host_manager.HostState('h', 'n')
        state.update(record)
        self.assertEqual(hv_version, state.hypervisor_version)
        spec = fakes.spec(image_props={'img_hv_requested_version': '>=7.2'})
        self.assertEqual(
            hv_version >= QEMU_7_2,
            image_props_filter.ImagePropertiesFilter().host_passes(state,
                                                                   spec))

    @given(hosts.versions)
    def test_host_versions_are_integers_or_refused_by_name(self, version):
        with hosts.fake_compute(libversion=version,
                                hv_version=version) as (driver, conn):
            for name, getter in (('libvirt', host.Host.get_libversion),
                                 ('QEMU', host.Host.get_version)):
                if hosts.is_version(version):
                    self.assertEqual(version, getter(driver._host))
                    continue
                with self.assertRaises(
                        exception.InvalidHypervisorVersion) as ctx:
                    getter(driver._host)
                self.assertTrue(str(ctx.exception).startswith(
                    'Invalid %s version %r: ' % (name, version)))
