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

"""A cloud in the middle of an upgrade: one compute node still on libvirt
8.0 (before ``<maxphysaddr>``), the rest on 9.0.

The old node reports neither trait and no width, so Placement never offers
it for a request that needs the feature, and the filters would refuse it
even if it were offered; requests without the feature still use it.
"""

import json

from nova import exception
from nova import objects
from nova.scheduler import filter_handler
from nova.scheduler import utils
from tests.functional import base
from tests import fakes

OLD = 'old-libvirt'
TiB_MB = base.TiB_MB


def feature_requests():
    """(description, RequestSpec) for every way to ask for a width that a
    1.5 TiB guest can use, from the flavor, the image or both."""
    for bits in range(42, 53):
        yield 'flavor emulate %d' % bits, fakes.large_guest(**{
            'hw:maxphysaddr_mode': 'emulate',
            'hw:maxphysaddr_bits': str(bits)})
        spec = fakes.large_guest()
        spec.image = fakes.spec(image_props={
            'hw_maxphysaddr_mode': 'emulate',
            'hw_maxphysaddr_bits': bits}).image
        yield 'image emulate %d' % bits, spec
        spec = fakes.large_guest(**{
            'hw:maxphysaddr_mode': 'emulate'})
        spec.image = fakes.spec(image_props={
            'hw_maxphysaddr_bits': bits}).image
        yield 'flavor mode, image bits %d' % bits, spec
    yield 'flavor passthrough', fakes.large_guest(**{
        'hw:maxphysaddr_mode': 'passthrough'})
    spec = fakes.large_guest()
    spec.image = fakes.spec(image_props={
        'hw_maxphysaddr_mode': 'passthrough'}).image
    yield 'image passthrough', spec


class OldComputeNodeTest(base.ComputeNodesTestCase):

    def test_reports_neither_trait_nor_a_width(self):
        self.assertEqual(set(), self.traits[OLD])
        self.assertNotIn('maxphysaddr',
                         json.loads(self.records[OLD]['cpu_info']))
        self.assertIsNone(self.host_states[OLD].maxphysaddr_bits)

    def test_requests_that_need_the_feature_never_land_there(self):
        chosen_somewhere = set()
        for description, spec in feature_requests():
            with self.subTest(request=description):
                chosen, rejected = self.schedule(spec)
                # Not even a candidate: Placement left it out on the trait,
                # so no filter had to say no.
                self.assertNotIn(OLD, chosen)
                self.assertNotIn(OLD, rejected)
                chosen_somewhere |= chosen
        # The requests are satisfiable: the new nodes took them.
        self.assertEqual({'amd-48', 'intel-46', 'intel-46-libvirt-8.7',
                          'junk-bits'}, chosen_somewhere)

    def test_requests_without_the_feature_still_use_it(self):
        chosen, _ = self.schedule(fakes.large_guest())
        self.assertIn(OLD, chosen)

    def test_filters_and_driver_refuse_it_even_when_offered(self):
        # A forced host, or a Placement trait left behind by a downgrade:
        # the filters fail closed on the missing width, and the driver
        # refuses before libvirt would ignore an element it does not know.
        spec = fakes.large_guest(**{
            'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': '42'})
        self.assertIn('required=COMPUTE_ADDRESS_SPACE_EMULATED',
                      utils.ResourceRequest.from_request_spec(
                          spec).to_querystring())
        passed, rejections = filter_handler.get_filtered_hosts(
            [self.host_states[OLD]], spec, filter_handler.get_filters())
        self.assertEqual([], passed)
        self.assertEqual(
            [('ComputeCapabilitiesFilter',
              'host physical address width is unknown (cpu_info has no '
              'maxphysaddr); the guest (mode=emulate, bits=42) needs at '
              'least 42 bits')],
            [(r.filter_name, r.reason) for r in rejections])
        instance = objects.Instance(
            uuid='2b1e6a3c-0f25-4bb0-9c8e-7d8e1f6a9e11', name='instance-1')
        with self.assertRaises(exception.MaxPhysAddrUnsupported) as ctx:
            self.drivers[OLD].spawn(instance, spec.image, spec.flavor)
        self.assertEqual(
            "Host old-libvirt cannot honour the guest's maxphysaddr request "
            "(mode=emulate, bits=42): it needs libvirt >= 8.7.0 with QEMU >= "
            "2.7.0; this host has libvirt 8.0.0 with QEMU 6.2.0",
            str(ctx.exception))
