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

"""HostState: compute node records in, validated filter inputs out."""

import copy
import json
import pickle
import unittest
from unittest import mock
import weakref

from nova_maxphysaddr.rules import host as host_rules

from nova.scheduler import host_manager

from tests import fakes

LOGGER = 'nova.scheduler.host_manager'


class CpuInfoTest(unittest.TestCase):

    def test_json_string_and_dict_give_the_same_state(self):
        from_json = fakes.host(cpu_info_value=fakes.cpu_info(46))
        from_dict = fakes.host(cpu_info_value=fakes.cpu_info(46, False))
        self.assertEqual(fakes.cpu_info(46, False), from_json.cpu_info)
        self.assertEqual(from_dict.cpu_info, from_json.cpu_info)
        self.assertEqual(46, from_json.maxphysaddr_bits)
        self.assertEqual(46, from_dict.maxphysaddr_bits)
        self.assertIsNone(from_json.maxphysaddr_unknown_reason)

    def test_bytes_json(self):
        state = fakes.host(cpu_info_value=fakes.cpu_info(39).encode())
        self.assertEqual(39, state.maxphysaddr_bits)

    def test_decimal_string_bits(self):
        state = fakes.host(cpu_info_value=fakes.cpu_info('52'))
        self.assertEqual(52, state.maxphysaddr_bits)

    def test_no_maxphysaddr(self):
        state = fakes.host(cpu_info_value=fakes.cpu_info())
        self.assertIsNone(state.maxphysaddr_bits)
        self.assertEqual('cpu_info has no maxphysaddr',
                         state.maxphysaddr_unknown_reason)
        self.assertEqual('x86_64', state.cpu_info['arch'])

    def test_passthrough_without_bits(self):
        # Domain capabilities style: a limit, no bits.
        info = dict(fakes.BASE_CPU_INFO,
                    maxphysaddr={'mode': 'passthrough', 'limit': 46})
        state = fakes.host(cpu_info_value=json.dumps(info))
        self.assertIsNone(state.maxphysaddr_bits)
        self.assertEqual('cpu_info maxphysaddr has no bits',
                         state.maxphysaddr_unknown_reason)

    def test_junk_bits_are_unknown(self):
        for bits in fakes.JUNK_BITS:
            for as_json in (True, False):
                with self.subTest(bits=bits, as_json=as_json):
                    state = fakes.host(
                        cpu_info_value=fakes.cpu_info(bits, as_json))
                    self.assertIsNone(state.maxphysaddr_bits)
                    self.assertTrue(state.maxphysaddr_unknown_reason)
        state = fakes.host(cpu_info_value=fakes.cpu_info('abc'))
        self.assertEqual(
            "cpu_info maxphysaddr bits is 'abc': must be a decimal integer "
            "from 1 to 64", state.maxphysaddr_unknown_reason)

    def test_maxphysaddr_not_an_object(self):
        for junk in ('48', 48, [1, 2], 'emulate'):
            with self.subTest(junk=junk):
                info = dict(fakes.BASE_CPU_INFO, maxphysaddr=junk)
                state = fakes.host(cpu_info_value=json.dumps(info))
                self.assertIsNone(state.maxphysaddr_bits)
                self.assertEqual(
                    'cpu_info maxphysaddr is %r, not an object' % junk,
                    state.maxphysaddr_unknown_reason)

    def test_corrupt_json_is_no_information_and_logged(self):
        for corrupt in ('{"arch": "x86_64", "maxphysaddr": {"bits": 4',
                        'not json', '', '[' * 100000):
            with self.subTest(corrupt=corrupt[:20]):
                with self.assertLogs(LOGGER, 'WARNING') as logs:
                    state = fakes.host(cpu_info_value=corrupt)
                self.assertEqual({}, state.cpu_info)
                self.assertIsNone(state.maxphysaddr_bits)
                self.assertTrue(state.maxphysaddr_unknown_reason.startswith(
                    'cpu_info is not valid JSON'))
                self.assertIn('host1', logs.output[0])
                self.assertIn('treating it as no CPU information',
                              logs.output[0])

    def test_json_that_is_not_an_object(self):
        for value in ('[]', '42', 'null', '"x86_64"', 42, ['x86_64']):
            with self.subTest(value=value):
                with self.assertLogs(LOGGER, 'WARNING'):
                    state = fakes.host(cpu_info_value=value)
                self.assertEqual({}, state.cpu_info)
                self.assertIn('not a JSON object',
                              state.maxphysaddr_unknown_reason)

    def test_not_reported(self):
        state = host_manager.HostState('h', 'n')
        self.assertEqual({}, state.cpu_info)
        self.assertEqual('cpu_info is not reported',
                         state.maxphysaddr_unknown_reason)
        state.update({})
        self.assertIsNone(state.maxphysaddr_bits)

    def test_decoded_once_per_update(self):
        # cpu_info is decoded by the rules' decode_cpu_info().
        with mock.patch.object(host_rules, 'json', wraps=json) as spy:
            state = fakes.host(cpu_info_value=fakes.cpu_info(48))
            self.assertEqual(1, spy.loads.call_count)
            for _ in range(3):
                self.assertEqual(48, state.maxphysaddr_bits)
                self.assertEqual('x86_64', state.cpu_info['arch'])
            self.assertEqual(1, spy.loads.call_count)
            state.update(fakes.compute_node(fakes.cpu_info(40)))
            self.assertEqual(2, spy.loads.call_count)
        self.assertEqual(40, state.maxphysaddr_bits)

    def test_setting_cpu_info_directly_rederives_the_width(self):
        state = fakes.host()
        state.cpu_info = fakes.cpu_info(52, as_json=False)
        self.assertEqual(52, state.maxphysaddr_bits)
        state.cpu_info = None
        self.assertIsNone(state.maxphysaddr_bits)


class SupportedInstancesTest(unittest.TestCase):

    def test_canonical_spelling(self):
        state = fakes.host(supported_instances=[['AMD64', 'QEMU', 'HVM'],
                                                ('i686', 'kvm', 'hvm')])
        self.assertEqual([('x86_64', 'qemu', 'hvm'), ('i686', 'kvm', 'hvm')],
                         state.supported_instances)
        keys = state.supported_instance_keys
        key = host_manager.instance_key
        self.assertIn(key('x86_64', 'qemu', 'hvm'), keys)
        self.assertIn(key('x86_64', None, None), keys)
        self.assertIn(key(None, 'kvm', 'hvm'), keys)
        self.assertIn(key(None, None, None), keys)
        self.assertNotIn(key('x86_64', 'kvm', None), keys)
        # 8 masked forms of each triple; both share (None, None, 'hvm') and
        # (None, None, None).
        self.assertEqual(14, len(keys))

    def test_malformed_entries_are_skipped_and_logged(self):
        for junk in (None, 'x86_64', ['x86_64', 'qemu'], ['x86_64', 1, 'hvm'],
                     ['a', 'b', 'c', 'd'], {'arch': 'x86_64'}):
            with self.subTest(junk=junk):
                with self.assertLogs(LOGGER, 'WARNING') as logs:
                    state = fakes.host(supported_instances=[
                        junk, ['x86_64', 'qemu', 'hvm']])
                self.assertEqual([('x86_64', 'qemu', 'hvm')],
                                 state.supported_instances)
                self.assertIn('ignoring supported instance', logs.output[0])

    def test_none_and_empty(self):
        for value in (None, []):
            state = fakes.host(supported_instances=value)
            self.assertEqual([], state.supported_instances)
            self.assertEqual(frozenset(), state.supported_instance_keys)


class UpdateTest(unittest.TestCase):

    def test_fields(self):
        state = fakes.host('compute1', memory_mb_used=1024, local_gb_used=20,
                           vcpus_used=3, stats={'num_instances': '2'})
        self.assertEqual('(compute1, compute1)', repr(state))
        self.assertEqual('QEMU', state.hypervisor_type)
        self.assertEqual(7002000, state.hypervisor_version)
        self.assertEqual('node1', state.hypervisor_hostname)
        self.assertEqual((16, 3), (state.vcpus_total, state.vcpus_used))
        self.assertEqual((65536, 64512),
                         (state.total_usable_ram_mb, state.free_ram_mb))
        self.assertEqual((500, 480),
                         (state.total_usable_disk_gb, state.free_disk_gb))
        self.assertEqual({'num_instances': '2'}, state.stats)

    def test_junk_hypervisor_version_is_unknown(self):
        for junk in ('7.2.0', -1, True, 7.2, [7]):
            with self.subTest(junk=junk):
                with self.assertLogs(LOGGER, 'WARNING') as logs:
                    state = fakes.host(hypervisor_version=junk)
                self.assertIsNone(state.hypervisor_version)
                self.assertIn('ignoring hypervisor_version', logs.output[0])
        self.assertEqual(9000000,
                         fakes.host(hypervisor_version='9000000')
                         .hypervisor_version)

    def test_junk_numbers_and_stats(self):
        state = fakes.host(vcpus='many', memory_mb=None, stats='junk')
        self.assertEqual((0, 0, {}), (state.vcpus_total,
                                      state.total_usable_ram_mb, state.stats))


class ObjectTest(unittest.TestCase):
    """HostState keeps what the filters read in slots; it is otherwise an
    ordinary object."""

    def test_any_attribute_can_be_set(self):
        state = fakes.host()
        state.custom = 'x'
        state.maxphysaddr_bits = 52
        self.assertEqual(('x', 52), (state.custom, state.maxphysaddr_bits))
        self.assertIn('custom', vars(state))

    def test_copy_pickle_and_weak_references(self):
        state = fakes.host(cpu_info_value=fakes.cpu_info(46))
        for other in (copy.copy(state), copy.deepcopy(state),
                      pickle.loads(pickle.dumps(state))):
            self.assertEqual(
                (46, None, state.supported_instance_keys, 7002000, 'host1'),
                (other.maxphysaddr_bits, other.maxphysaddr_unknown_reason,
                 other.supported_instance_keys, other.hypervisor_version,
                 other.host))
        self.assertIs(state, weakref.ref(state)())
