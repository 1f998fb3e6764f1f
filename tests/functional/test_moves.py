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

"""Moves on the functional fleet: the scheduler picks destinations from a
request built like a boot's, and each destination's driver checks the move.

Resize: the new flavor's request goes through ResourceRequest, Placement
and both filters; on this fleet the destination check then agrees with the
scheduler on every node.  Live migration: the scheduler offers every node
that can run the guest, and the destination check keeps only the nodes
where a passthrough guest's width does not change, as Nova's conductor does
when it tries candidates in turn.
"""

from nova import exception
from nova import objects
from tests.functional import base
from tests import fakes

SOURCE = 'intel-46-libvirt-8.7'
UUID = '2b1e6a3c-0f25-4bb0-9c8e-7d8e1f6a9e11'


def instance(flavor):
    return objects.Instance(uuid=UUID, name='instance-1', flavor=flavor)


class MovesTest(base.ComputeNodesTestCase):

    def destination_verdicts(self, check):
        """{node: None if the destination check passes, else its error}."""
        verdicts = {}
        for name, driver in sorted(self.drivers.items()):
            try:
                check(driver)
                verdicts[name] = None
            except exception.MaxPhysAddrMigrationError as exc:
                verdicts[name] = str(exc)
        return verdicts

    def test_resize_to_more_bits(self):
        old = fakes.large_guest(**{
            'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': '42'})
        new = fakes.large_guest(**{
            'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': '47'})
        chosen, _ = self.schedule(new)
        self.assertEqual({'amd-48'}, chosen)
        verdicts = self.destination_verdicts(
            lambda d: d.check_can_migrate_destination(
                instance(old.flavor), None, new.flavor))
        self.assertEqual(chosen, {n for n, v in verdicts.items() if v is None})
        self.assertEqual(
            "Cannot move the instance to host intel-46: its maxphysaddr "
            "request (mode=emulate, bits=47) cannot be honoured here: "
            "host has 46 physical address bits; the guest (mode=emulate, "
            "bits=47) needs at least 47 bits",
            verdicts['intel-46'])

    def test_resize_to_a_flavor_without_the_feature(self):
        old = fakes.large_guest(**{
            'hw:maxphysaddr_mode': 'passthrough'})
        new = fakes.large_guest()
        chosen, _ = self.schedule(new)
        verdicts = self.destination_verdicts(
            lambda d: d.check_can_migrate_destination(
                instance(old.flavor), None, new.flavor))
        self.assertEqual(set(self.drivers), chosen)
        self.assertEqual({None}, set(verdicts.values()))

    def test_live_migration_of_a_passthrough_guest(self):
        spec = fakes.large_guest(**{
            'hw:maxphysaddr_mode': 'passthrough'})
        chosen, _ = self.schedule(spec)
        self.assertEqual({'amd-48', 'intel-46', 'junk-bits'}, chosen)
        source_record = self.records[SOURCE]
        verdicts = self.destination_verdicts(
            lambda d: d.check_can_live_migrate_destination(
                instance(spec.flavor), None, source_record))
        # Of the scheduler's candidates, only the one with the source's 46
        # bits keeps the running guest's width.
        self.assertEqual(
            {'intel-46'},
            {n for n in chosen if verdicts[n] is None})
        self.assertEqual(
            "Cannot move the instance to host amd-48: its maxphysaddr "
            "request (mode=passthrough) would change the 46 physical address "
            "bits the running guest sees on the source to 48: a passthrough "
            "guest sees the host CPU's width, which must not change under "
            "it", verdicts['amd-48'])
        self.assertIn("this host does not report its physical address width",
                      verdicts['junk-bits'])

    def test_live_migration_of_an_emulate_guest(self):
        spec = fakes.large_guest(**{
            'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': '46'})
        chosen, _ = self.schedule(spec)
        verdicts = self.destination_verdicts(
            lambda d: d.check_can_live_migrate_destination(
                instance(spec.flavor), None, self.records[SOURCE]))
        # The guest sees 46 bits anywhere: scheduler and check agree.
        self.assertEqual({'amd-48', 'intel-46', 'intel-46-libvirt-8.7'},
                         chosen)
        self.assertEqual(chosen, {n for n, v in verdicts.items() if v is None})
