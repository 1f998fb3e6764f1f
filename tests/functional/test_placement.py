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

"""ResourceRequest's query against a real Placement service, in-process.

The compute nodes are resource providers with inventories and the traits
the libvirt driver reports (both modes, one, neither); the query is exactly
``ResourceRequest.to_querystring()``.  This proves the trait names exist in
Placement's os-traits and that the query selects the right nodes.
"""

import unittest

from nova.demo import placement
from nova.scheduler import utils

from tests import fakes

EMULATED = 'COMPUTE_ADDRESS_SPACE_EMULATED'
PASSTHROUGH = 'COMPUTE_ADDRESS_SPACE_PASSTHROUGH'
INVENTORY = {'VCPU': 16, 'MEMORY_MB': 65536, 'DISK_GB': 500}

# name -> (traits, inventory overrides)
NODES = {
    # libvirt >= 8.7, QEMU >= 2.7 on x86: both modes.
    'modern': ({EMULATED, PASSTHROUGH, 'HW_CPU_X86_AVX2'}, {}),
    # Passthrough not reported (libvirt 8.7 without host-passthrough).
    'emulate-only': ({EMULATED, 'CUSTOM_SLOW'}, {}),
    'passthrough-only': ({PASSTHROUGH}, {}),
    # libvirt older than 8.7.0: neither.
    'old-libvirt': ({'HW_CPU_X86_AVX2'}, {}),
    # non-x86: neither.
    'aarch64': (set(), {}),
    # Has the traits but not the memory.
    'full': ({EMULATED, PASSTHROUGH}, {'MEMORY_MB': 1024}),
}
ALL_WITH_ROOM = {'modern', 'emulate-only', 'passthrough-only', 'old-libvirt',
                 'aarch64'}


class PlacementTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.placement = placement.PlacementClient()
        cls.placement.start(cls.addClassCleanup)
        for name, (traits, overrides) in NODES.items():
            cls.placement.create_compute_node(
                name, dict(INVENTORY, **overrides), traits)

    def candidates(self, spec):
        return self.placement.candidates(
            utils.ResourceRequest.from_request_spec(spec).to_querystring())

    def test_placement_knows_the_trait_names(self):
        body = self.placement.call('GET', '/traits?name=in:%s,%s' % (
            EMULATED, PASSTHROUGH))
        self.assertEqual([EMULATED, PASSTHROUGH], sorted(body['traits']))

    def test_no_maxphysaddr(self):
        self.assertEqual(ALL_WITH_ROOM, self.candidates(fakes.spec()))

    def test_emulate_from_flavor(self):
        self.assertEqual({'modern', 'emulate-only'},
                         self.candidates(fakes.flavor_bits(42)))

    def test_emulate_from_image(self):
        self.assertEqual({'modern', 'emulate-only'},
                         self.candidates(fakes.image_bits(42)))

    def test_passthrough(self):
        for spec in (fakes.spec({'hw:maxphysaddr_mode': 'passthrough'}),
                     fakes.spec(image_props={
                         'hw_maxphysaddr_mode': 'passthrough'})):
            self.assertEqual({'modern', 'passthrough-only'},
                             self.candidates(spec))

    def test_with_flavor_required_and_forbidden_traits(self):
        self.assertEqual({'modern'}, self.candidates(fakes.flavor_bits(
            42, **{'trait:HW_CPU_X86_AVX2': 'required'})))
        self.assertEqual({'modern'}, self.candidates(fakes.flavor_bits(
            42, **{'trait:CUSTOM_SLOW': 'forbidden'})))
        self.assertEqual({'emulate-only'}, self.candidates(fakes.flavor_bits(
            42, **{'trait:COMPUTE_ADDRESS_SPACE_PASSTHROUGH': 'forbidden'})))

    def test_microversions(self):
        # The query needs 1.22 (forbidden traits); before it, Placement
        # refuses '!NAME'.
        query = utils.ResourceRequest.from_request_spec(fakes.flavor_bits(
            42, **{'trait:CUSTOM_SLOW': 'forbidden'})).to_querystring()
        self.assertEqual('1.36', utils.ALLOCATION_CANDIDATES_MICROVERSION)
        for microversion in ('1.22', '1.36', '1.39'):
            self.assertEqual({'modern'}, self.placement.candidates(
                query, microversion))
        body = self.placement.call(
            'GET', '/allocation_candidates?' + query, expect=400,
            microversion='1.21')
        self.assertIn('!CUSTOM_SLOW', body['errors'][0]['detail'])

    def test_limit_is_understood(self):
        query = utils.ResourceRequest.from_request_spec(
            fakes.spec()).to_querystring(limit=2)
        body = self.placement.call('GET', '/allocation_candidates?' + query)
        self.assertEqual(2, len(body['allocation_requests']))

    def test_a_misspelled_trait_is_refused(self):
        # The control: Placement does check names, so the passing queries
        # above are not passing by accident.
        query = utils.ResourceRequest.from_request_spec(
            fakes.spec()).to_querystring(None)
        body = self.placement.call(
            'GET', '/allocation_candidates?%s&required=%s' % (
                query, 'COMPUTE_ADDRESS_SPACE_EMULATE'), expect=400)
        self.assertIn('COMPUTE_ADDRESS_SPACE_EMULATE',
                      body['errors'][0]['detail'])
