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

"""Property tests: no host data can make the scheduler raise or guess.

Whatever a compute node reports (any JSON, corrupt JSON, any types), the
host state updates, both filters answer True or False without raising, and
a request for N bits passes only hosts whose cpu_info holds a plain integer
width of at least N.
"""

import json
import unittest

from hypothesis import given
from hypothesis import strategies as st

from nova.scheduler import filter_handler
from nova.scheduler import host_manager

from tests import properties  # noqa: F401  (loads the hypothesis profile)
from tests import fakes

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) |
    st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) |
    st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8)
bits_values = st.one_of(
    json_values, st.integers(0, 70), st.integers(0, 70).map(str),
    st.sampled_from(fakes.JUNK_BITS))
maxphysaddr_values = st.one_of(
    json_values,
    st.fixed_dictionaries({'mode': json_values, 'bits': bits_values}),
    st.fixed_dictionaries({'bits': bits_values}))


@st.composite
def cpu_infos(draw):
    info = dict(fakes.BASE_CPU_INFO)
    if draw(st.booleans()):
        info['maxphysaddr'] = draw(maxphysaddr_values)
    encoding = draw(st.sampled_from(['json', 'dict', 'corrupt', 'junk']))
    if encoding == 'json':
        return json.dumps(info)
    if encoding == 'dict':
        return info
    if encoding == 'corrupt':
        text = json.dumps(info)
        return text[:draw(st.integers(0, len(text) - 1))]
    return draw(json_values)


compute_nodes = st.fixed_dictionaries({
    'cpu_info': cpu_infos(),
    'hypervisor_type': json_values,
    'hypervisor_version': st.one_of(json_values, st.integers(0, 10 ** 7)),
    'supported_instances': st.one_of(json_values, st.lists(
        st.lists(st.sampled_from(['x86_64', 'qemu', 'hvm', 'aarch64', 1]),
                 min_size=0, max_size=4), max_size=3)),
    'stats': json_values,
    'vcpus': json_values,
    'memory_mb': json_values,
})

requests = st.sampled_from([
    fakes.flavor_bits(42),
    fakes.image_bits(46, hw_architecture='x86_64'),
    fakes.spec({'hw:maxphysaddr_mode': 'passthrough'}),
    fakes.spec({'capabilities:cpu_info:maxphysaddr:bits': '>= 40',
                'capabilities:cpu_info:maxphysaddr:mode': 's== emulate',
                'capabilities:stats:x': '<in> a'},
               {'img_hv_requested_version': '>=7.0', 'hw_vm_mode': 'hvm'}),
    fakes.spec(),
])


def valid_width(cpu_info):
    if isinstance(cpu_info, (str, bytes)):
        try:
            cpu_info = json.loads(cpu_info)
        except ValueError:
            return None
    if not isinstance(cpu_info, dict):
        return None
    maxphysaddr = cpu_info.get('maxphysaddr')
    if not isinstance(maxphysaddr, dict):
        return None
    bits = maxphysaddr.get('bits')
    if isinstance(bits, str) and bits.isascii() and bits.isdigit() and (
            bits == '0' or not bits.startswith('0')):
        bits = int(bits)
    if type(bits) is int and 1 <= bits <= 64:
        return bits
    return None


class HostDataPropertyTest(unittest.TestCase):

    @given(compute_nodes, requests)
    def test_filters_never_raise(self, compute, spec):
        state = host_manager.HostState('h', 'n')
        state.update(compute)
        for host_filter in filter_handler.get_filters():
            verdict = host_filter.host_passes(state, spec)
            self.assertIsInstance(verdict, bool)
            reason = host_filter.reject_reason(state, spec)
            self.assertEqual(verdict, reason is None)

    # 33: the smallest width the resolver accepts for the 2 GiB test flavor
    # on Nova's default machine type (pc).
    @given(cpu_infos(), st.integers(33, 52))
    def test_bits_pass_only_with_a_plain_integer_width(self, cpu_info, bits):
        state = host_manager.HostState('h', 'n')
        state.update(dict(fakes.compute_node(), cpu_info=cpu_info))
        width = valid_width(cpu_info)
        self.assertEqual(width, state.maxphysaddr_bits)
        expected = width is not None and width >= bits
        for spec in (fakes.flavor_bits(bits), fakes.image_bits(bits)):
            for host_filter in filter_handler.get_filters():
                self.assertEqual(expected,
                                 host_filter.host_passes(state, spec))
