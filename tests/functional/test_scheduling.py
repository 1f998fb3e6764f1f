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

"""The scheduling path on what the libvirt driver really reports.

Each compute node is our LibvirtDriver on a (fake) libvirt connection that
serves a real host capabilities document from tests/fixtures.  Its traits
become a Placement resource provider, its ``get_available_resource()``
record (``cpu_info`` as a JSON string) a HostState.  A boot request then
goes the scheduler's way: ``ResourceRequest`` query to real Placement, and
the candidates through both filters.  What the driver writes is exactly
what the scheduler reads.
"""

from tests import fakes
from tests.functional import base

ALL = base.ALL
large_guest = fakes.large_guest


class SchedulingTest(base.ComputeNodesTestCase):

    def test_driver_reports(self):
        self.assertEqual({
            'amd-48': {'COMPUTE_ADDRESS_SPACE_EMULATED',
                       'COMPUTE_ADDRESS_SPACE_PASSTHROUGH'},
            'intel-46': {'COMPUTE_ADDRESS_SPACE_EMULATED',
                         'COMPUTE_ADDRESS_SPACE_PASSTHROUGH'},
            'intel-46-libvirt-8.7': {'COMPUTE_ADDRESS_SPACE_EMULATED'},
            'intel-39': {'COMPUTE_ADDRESS_SPACE_EMULATED',
                         'COMPUTE_ADDRESS_SPACE_PASSTHROUGH'},
            'old-libvirt': set(),
            'aarch64': set(),
            'junk-bits': {'COMPUTE_ADDRESS_SPACE_PASSTHROUGH'},
        }, self.traits)
        self.assertEqual(
            {'amd-48': 48, 'intel-46': 46, 'intel-46-libvirt-8.7': 46,
             'intel-39': 39, 'old-libvirt': None, 'aarch64': None,
             'junk-bits': None},
            {n: s.maxphysaddr_bits for n, s in self.host_states.items()})

    def test_without_the_feature_every_host(self):
        self.assertEqual((ALL, {}), self.schedule(large_guest()))

    def test_emulate_42(self):
        chosen, rejected = self.schedule(large_guest(**{
            'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': '42'}))
        # Placement: the hosts with the EMULATED trait; the filter: width.
        self.assertEqual({'amd-48', 'intel-46', 'intel-46-libvirt-8.7'},
                         chosen)
        self.assertEqual({'intel-39': (
            'ComputeCapabilitiesFilter',
            'host has 39 physical address bits; the guest (mode=emulate, '
            'bits=42) needs at least 42 bits')}, rejected)

    def test_emulate_47_from_the_image(self):
        spec = large_guest()
        spec.image = fakes.spec(image_props={
            'hw_maxphysaddr_mode': 'emulate',
            'hw_maxphysaddr_bits': 47}).image
        chosen, rejected = self.schedule(spec)
        self.assertEqual({'amd-48'}, chosen)
        self.assertEqual({'intel-46', 'intel-46-libvirt-8.7', 'intel-39'},
                         set(rejected))

    def test_passthrough(self):
        chosen, rejected = self.schedule(large_guest(**{
            'hw:maxphysaddr_mode': 'passthrough'}))
        # The guest gets the host's width: 39 bits cannot hold 1.5 TiB.
        # A host whose width is unknown is left to the trait and the driver.
        self.assertEqual({'amd-48', 'intel-46', 'junk-bits'}, chosen)
        self.assertEqual({'intel-39': (
            'ComputeCapabilitiesFilter',
            'host has 39 physical address bits; the guest (mode=passthrough) '
            'would get them, too few for its 1572864 MiB of RAM (it needs at '
            'least 42)')}, rejected)

    def test_image_architecture(self):
        spec = large_guest()
        spec.image = fakes.spec(image_props={
            'hw_architecture': 'aarch64'}).image
        chosen, rejected = self.schedule(spec)
        self.assertEqual({'aarch64'}, chosen)
        self.assertEqual({'ImagePropertiesFilter'},
                         {f for f, _ in rejected.values()})
