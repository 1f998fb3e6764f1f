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

"""ImagePropertiesFilter: architecture, hypervisor, version, image bits."""

from nova.scheduler.filters import image_props_filter as ipf

from tests import base
from tests import fakes


class FilterTestCase(base.FilterTestCase):
    filter_class = ipf.ImagePropertiesFilter


class InstanceTypeTest(FilterTestCase):

    def test_no_properties_passes_every_host(self):
        for spec in (fakes.spec(), fakes.spec(image_props={})):
            self.assertIsNone(self.filt.prepare(spec))
            self.assertPasses(fakes.host(supported_instances=[]), spec)

    def test_supported_combinations(self):
        host = fakes.host()  # x86_64/qemu/hvm and i686/qemu/hvm
        for props in ({'hw_architecture': 'x86_64'},
                      {'hw_architecture': 'amd64'},  # alias
                      {'hw_architecture': 'i686', 'img_hv_type': 'QEMU'},
                      {'img_hv_type': 'qemu', 'hw_vm_mode': 'hvm'},
                      {'hw_architecture': 'x86_64', 'img_hv_type': 'qemu',
                       'hw_vm_mode': 'hvm'}):
            with self.subTest(props=props):
                self.assertPasses(host, fakes.spec(image_props=props))

    def test_unsupported_combinations(self):
        host = fakes.host()
        self.assertRejects(
            host, fakes.spec(image_props={'hw_architecture': 'aarch64'}),
            "host supports [['x86_64', 'qemu', 'hvm'], ['i686', 'qemu', "
            "'hvm']], not the image's hw_architecture=aarch64")
        self.assertRejects(
            host, fakes.spec(image_props={'hw_architecture': 'x86_64',
                                          'img_hv_type': 'kvm'}),
            "host supports [['x86_64', 'qemu', 'hvm'], ['i686', 'qemu', "
            "'hvm']], not the image's hw_architecture=x86_64, "
            "img_hv_type=kvm")
        # Each part is compared in its own position: 'xen' the hypervisor
        # is not 'xen' the VM mode.
        xen = fakes.host(supported_instances=[['x86_64', 'xen', 'hvm']])
        self.assertRejects(xen, fakes.spec(image_props={'hw_vm_mode': 'xen'}))

    def test_host_without_supported_instances(self):
        self.assertRejects(
            fakes.host(supported_instances=None),
            fakes.spec(image_props={'hw_architecture': 'x86_64'}),
            "host supports nothing, not the image's hw_architecture=x86_64")


class HypervisorVersionTest(FilterTestCase):

    def spec(self, requested, **props):
        return fakes.spec(image_props=dict(
            {'img_hv_requested_version': requested}, **props))

    def test_satisfied(self):
        host = fakes.host(hypervisor_version=7002000)
        for requested in ('>=7.0', '>=7.2,<8', '==7.2.0', '!=7.1', '>6'):
            with self.subTest(requested=requested):
                self.assertPasses(host, self.spec(requested))

    def test_not_satisfied(self):
        self.assertRejects(
            fakes.host(hypervisor_version=7002000), self.spec('>=8.0'),
            "host hypervisor version 7.2.0 does not satisfy "
            "img_hv_requested_version='>=8.0'")

    def test_checked_without_architecture(self):
        # Nova compares the version only when the image also names an
        # architecture, hypervisor type or VM mode.
        self.assertRejects(fakes.host(hypervisor_version=6000000),
                           self.spec('>=7.0'))

    def test_unknown_version_fails_closed(self):
        self.assertRejects(
            fakes.host(hypervisor_version=None), self.spec('>=7.0'),
            'host does not report its hypervisor version; the image needs '
            '>=7.0')

    def test_invalid_predicate_rejects_every_host(self):
        for requested in ('7.0', '>= seven', '>=7.0,', '=>7'):
            with self.subTest(requested=requested):
                with self.assertLogs('nova.scheduler.filters', 'WARNING'):
                    reason = self.assertRejects(fakes.host(),
                                                self.spec(requested))
                self.assertTrue(reason.startswith(
                    "image property img_hv_requested_version=%r is invalid"
                    % requested), reason)


class MaxPhysAddrBitsTest(base.MaxPhysAddrBitsChecks, FilterTestCase):
    """Image hw_maxphysaddr_bits=N: host bits >= N, else reject."""

    bits_spec = staticmethod(fakes.image_bits)
    passthrough_spec = staticmethod(lambda memory_mb: fakes.spec(
        image_props={'hw_maxphysaddr_mode': 'passthrough'},
        memory_mb=memory_mb))

    def test_with_architecture(self):
        spec = fakes.image_bits(46, hw_architecture='x86_64')
        self.assertPasses(fakes.host_with_bits(48), spec)
        self.assertRejects(fakes.host_with_bits(40), spec)
        aarch64 = fakes.host(
            cpu_info_value=fakes.cpu_info(48),
            supported_instances=[['aarch64', 'qemu', 'hvm']])
        self.assertRejects(aarch64, spec)

    def test_flavor_bits_are_enforced_too(self):
        spec = fakes.flavor_bits(46)
        self.assertPasses(fakes.host_with_bits(46), spec)
        self.assertRejects(fakes.host_with_bits(44), spec)

    def test_invalid_request_rejects_every_host(self):
        spec = fakes.spec({'hw:maxphysaddr_mode': 'emulate',
                           'hw:maxphysaddr_bits': '42'},
                          {'hw_maxphysaddr_bits': 44})
        with self.assertLogs('nova.scheduler.filters', 'WARNING'):
            reason = self.assertRejects(fakes.host_with_bits(52), spec)
        self.assertTrue(reason.startswith(
            'the request is invalid: Conflicting maxphysaddr bits request'))


class UpstreamRegressionTest(FilterTestCase):
    """The bugs of Nova's ImagePropertiesFilter, each pinned."""

    def test_json_string_cpu_info_does_not_crash(self):
        # Nova: AttributeError ('str' object has no attribute 'get') on the
        # cpu_info string of every real compute node.
        host = fakes.host_with_bits(48, as_json=True)
        self.assertIsInstance(host.cpu_info, dict)
        self.assertIs(True, self.filt.host_passes(host, fakes.image_bits(42)))
        self.assertIs(False, self.filt.host_passes(host,
                                                   fakes.image_bits(50)))

    def test_bits_checked_without_arch_hv_type_or_vm_mode(self):
        # Nova: returns True before looking at the bits unless the image
        # also sets hw_architecture, img_hv_type or hw_vm_mode.
        self.assertIs(False, self.filt.host_passes(
            fakes.host_with_bits(40, as_json=False), fakes.image_bits(42)))

    def test_host_without_bits_is_rejected_like_capabilities_filter(self):
        # Nova: passes hosts that report no bits, which
        # ComputeCapabilitiesFilter rejects.
        host = fakes.host_with_bits(fakes.NO_MAXPHYSADDR, as_json=False)
        self.assertIs(False, self.filt.host_passes(
            host, fakes.image_bits(42, hw_architecture='x86_64')))
