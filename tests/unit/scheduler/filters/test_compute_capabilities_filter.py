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

"""ComputeCapabilitiesFilter: capabilities: extra specs and flavor bits."""

import json
from unittest import mock

from nova import objects
from nova.scheduler.filters import compute_capabilities_filter as ccf

from tests import base
from tests import fakes

LOGGER = 'nova.scheduler.filters'


class FilterTestCase(base.FilterTestCase):
    filter_class = ccf.ComputeCapabilitiesFilter


class MaxPhysAddrBitsTest(base.MaxPhysAddrBitsChecks, FilterTestCase):
    """Flavor hw:maxphysaddr_bits=N: host bits >= N, else reject."""

    bits_spec = staticmethod(fakes.flavor_bits)
    passthrough_spec = staticmethod(lambda memory_mb: fakes.spec(
        {'hw:maxphysaddr_mode': 'passthrough'}, memory_mb=memory_mb))

    def test_corrupt_cpu_info_fails_closed(self):
        with self.assertLogs('nova.scheduler.host_manager', 'WARNING'):
            host = fakes.host(cpu_info_value='{"maxphysaddr": {"bits": 48')
        reason = self.assertRejects(host, fakes.flavor_bits(40))
        self.assertIn('cpu_info is not valid JSON', reason)

    def test_rejection_is_logged_at_debug(self):
        with self.assertLogs(LOGGER, 'DEBUG') as logs:
            self.filt.host_passes(fakes.host_with_bits(40, name='small'),
                                  fakes.flavor_bits(42))
        self.assertEqual(
            ['DEBUG:nova.scheduler.filters:(small, small) fails '
             'ComputeCapabilitiesFilter: host has 40 physical address bits; '
             'the guest (mode=emulate, bits=42) needs at least 42 bits'],
            logs.output)

    def test_no_feature_passes_every_host(self):
        spec = fakes.spec()
        self.assertIsNone(self.filt.prepare(spec))
        for bits in fakes.JUNK_BITS + [36, fakes.NO_MAXPHYSADDR]:
            self.assertPasses(fakes.host_with_bits(bits), spec)

    def test_image_bits_are_enforced_too(self):
        # One resolved request, one verdict, whichever filters are enabled.
        spec = fakes.image_bits(46)
        self.assertPasses(fakes.host_with_bits(46), spec)
        self.assertRejects(fakes.host_with_bits(44), spec)

    def test_invalid_request_rejects_every_host(self):
        spec = fakes.spec({'hw:maxphysaddr_mode': 'emulate'})
        with self.assertLogs(LOGGER, 'WARNING') as logs:
            reason = self.assertRejects(fakes.host_with_bits(52), spec)
        self.assertEqual(
            'the request is invalid: Invalid maxphysaddr request: '
            'hw:maxphysaddr_mode=emulate needs the width: set '
            'hw:maxphysaddr_bits (flavor) or hw_maxphysaddr_bits (image) to '
            'a decimal integer from 32 to 52', reason)
        self.assertIn('Rejecting every host', logs.output[0])

    def test_request_parsed_once_per_spec(self):
        spec = fakes.flavor_bits(42)
        hosts = [fakes.host_with_bits(b) for b in (40, 42, 48)]
        with mock.patch.object(self.filt, 'prepare',
                               wraps=self.filt.prepare) as prepare:
            verdicts = [self.filt.host_passes(h, spec) for h in hosts * 3]
            self.assertEqual(1, prepare.call_count)
            self.assertEqual([False, True, True] * 3, verdicts)
            other = fakes.flavor_bits(44)
            self.assertEqual([False, False, True],
                             [self.filt.host_passes(h, other) for h in hosts])
            self.assertEqual(2, prepare.call_count)


class CapabilitiesTest(FilterTestCase):
    """Generic capabilities: extra specs, with Nova's operators."""

    def test_cpu_info_from_json_string_and_dict(self):
        spec = fakes.spec({'capabilities:cpu_info:arch': 's== x86_64',
                           'capabilities:cpu_info:topology:cores': '>= 8'})
        for as_json in (True, False):
            with self.subTest(as_json=as_json):
                self.assertPasses(
                    fakes.host(cpu_info_value=fakes.cpu_info(48, as_json)),
                    spec)
        small = dict(fakes.BASE_CPU_INFO, topology={'cores': 4})
        self.assertRejects(
            fakes.host(cpu_info_value=json.dumps(small)), spec,
            "host cpu_info:topology:cores is 4, which does not satisfy "
            "capabilities:cpu_info:topology:cores='>= 8'")

    def test_spec_wording_for_bits(self):
        # The spec's "capabilities:cpu_info:maxphysaddr:bits>=42" by hand.
        spec = fakes.spec({'capabilities:cpu_info:maxphysaddr:bits': '>= 42'})
        self.assertPasses(fakes.host_with_bits(42), spec)
        self.assertRejects(fakes.host_with_bits(41), spec)
        self.assertRejects(
            fakes.host_with_bits(fakes.NO_MAXPHYSADDR), spec,
            "host does not report cpu_info:maxphysaddr:bits (flavor extra "
            "spec capabilities:cpu_info:maxphysaddr:bits='>= 42')")

    def test_features_list(self):
        spec = fakes.spec({'capabilities:cpu_info:features': '<in> avx'})
        self.assertPasses(fakes.host(), spec)
        spec = fakes.spec({'capabilities:cpu_info:features':
                           '<all-in> avx2 avx512f'})
        self.assertRejects(fakes.host(), spec)

    def test_features_list_matches_substrings_as_nova_does(self):
        # Nova matches the list's string form: 'sse4' is in "... 'sse4.2'".
        spec = fakes.spec({'capabilities:cpu_info:features': '<in> sse4'})
        self.assertPasses(fakes.host(), spec)
        spec = fakes.spec({'capabilities:cpu_info:features':
                           '<all-in> avx2 pdpe1'})
        self.assertPasses(fakes.host(), spec)

    def test_host_attributes_and_stats(self):
        host = fakes.host(stats={'numa': json.dumps({'cells': 2}),
                                 'gpu': 'yes'})
        self.assertPasses(host, fakes.spec({
            'capabilities:hypervisor_type': '<or> QEMU <or> KVM',
            'capabilities:hypervisor_version': '>= 7000000',
            'capabilities:vcpus_total': '>= 16',
            'capabilities:gpu': 'yes',
            # A JSON-encoded level inside stats.
            'capabilities:numa:cells': '== 2',
        }))
        self.assertRejects(host, fakes.spec(
            {'capabilities:hypervisor_type': 's== kvm'}),
            "host hypervisor_type is 'QEMU', which does not satisfy "
            "capabilities:hypervisor_type='s== kvm'")
        self.assertRejects(host, fakes.spec({'capabilities:fpga': 'yes'}),
                           "host does not report fpga (flavor extra spec "
                           "capabilities:fpga='yes')")

    def test_only_public_host_attributes(self):
        # Not an attribute walk into the object's internals.
        for key in ('capabilities:__class__', 'capabilities:_cpu_info',
                    'capabilities:update'):
            with self.subTest(key=key):
                self.assertRejects(fakes.host(), fakes.spec({key: 'x'}))

    def test_walk_into_junk(self):
        host = fakes.host(stats={'numa': '{not json', 'n': 5})
        for key in ('capabilities:numa:cells', 'capabilities:n:x',
                    'capabilities:cpu_info:arch:x',
                    'capabilities:cpu_info:features:avx'):
            with self.subTest(key=key):
                self.assertRejects(host, fakes.spec({key: 'x'}))

    def test_other_namespaces_are_ignored(self):
        spec = fakes.spec({'hw:cpu_policy': 'dedicated',
                           'trait:HW_CPU_X86_AVX': 'required',
                           'aggregate_instance_extra_specs:ssd': 'true'})
        self.assertIsNone(self.filt.prepare(spec))

    def test_invalid_requirement_rejects_every_host(self):
        for key, value, why in [
                ('capabilities:cpu_info:maxphysaddr:bits', '>= abc',
                 "'>=' compares numbers, but 'abc' is not one"),
                ('capabilities:cpu_info::arch', 'x86_64',
                 'the capability path has an empty part'),
                ('capabilities:hypervisor_type', '<or> a b',
                 "'<or>' takes values separated by '<or>', as in "
                 "'<or> a <or> b'")]:
            with self.subTest(key=key):
                with self.assertLogs(LOGGER, 'WARNING'):
                    self.assertRejects(
                        fakes.host(), fakes.spec({key: value}),
                        'flavor extra spec %s=%r is invalid: %s' % (
                            key, value, why))

    def test_bits_and_capabilities_together(self):
        spec = fakes.flavor_bits(
            42, **{'capabilities:hypervisor_type': 's== QEMU'})
        self.assertPasses(fakes.host_with_bits(48), spec)
        self.assertRejects(fakes.host_with_bits(40), spec)
        self.assertRejects(fakes.host(hypervisor_type='Xen'), spec)


class UpstreamRegressionTest(FilterTestCase):
    """Nova's ComputeCapabilitiesFilter raised ValueError on junk bits."""

    def test_junk_bits_never_raise(self):
        for spec in (fakes.flavor_bits(42), fakes.spec(
                {'capabilities:cpu_info:maxphysaddr:bits': '>= 42'})):
            for bits in fakes.JUNK_BITS:
                for as_json in (True, False):
                    with self.subTest(bits=bits, as_json=as_json):
                        self.assertIs(False, self.filt.host_passes(
                            fakes.host_with_bits(bits, as_json), spec))


class RequestShapeTest(FilterTestCase):
    """Requests the scheduler may be handed, read safely and freshly."""

    def test_image_without_properties(self):
        spec = fakes.flavor_bits(42)
        spec.image = objects.ImageMeta(name='no-properties')
        self.assertPasses(fakes.host_with_bits(48), spec)
        self.assertRejects(fakes.host_with_bits(40), spec)

    def test_a_new_flavor_on_the_same_spec_is_read_again(self):
        # As a resize does: same RequestSpec, another flavor object.
        spec = fakes.flavor_bits(46)
        host = fakes.host_with_bits(40)
        self.assertRejects(host, spec)
        spec.flavor = fakes.spec().flavor
        self.assertPasses(host, spec)

    def test_an_unreadable_request_rejects_every_host(self):
        with self.assertLogs(LOGGER, 'ERROR'):
            reason = self.assertRejects(fakes.host_with_bits(48), object())
        self.assertTrue(reason.startswith(
            'ComputeCapabilitiesFilter could not read the request '
            '(AttributeError: '), reason)
