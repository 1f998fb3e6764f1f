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

"""What a filter keeps of the request it parsed, and when it parses again.

``host_passes`` is called once per host with the same request, so each
filter keeps the check it prepared for the spec it saw last; these tests
pin that a changed request (another spec, or the same spec given another
flavor or image) always gets a new verdict, and that the fast per-host
paths (the width table looked up inline, the filter handler's loop) agree
with the check itself on every host.
"""

import contextlib
import copy
import types
import unittest
from unittest import mock

from nova import objects
from nova.scheduler import filter_handler
from nova.scheduler import filters
from nova.scheduler.filters import compute_capabilities_filter as ccf
from nova.scheduler.filters import image_props_filter as ipf

from tests import fakes

FILTER_CLASSES = (ccf.ComputeCapabilitiesFilter, ipf.ImagePropertiesFilter)
HOST_BITS = [52, 46, 45, 40, fakes.NO_MAXPHYSADDR, 'abc', -1]


def emulate_image(bits):
    return fakes.image(hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits=bits)


class PerFilterTestCase(unittest.TestCase):

    def each_filter(self):
        for cls in FILTER_CLASSES:
            with self.subTest(filter=cls.__name__):
                yield cls()


class ChangedRequestTest(PerFilterTestCase):
    """A changed request is parsed again; an unchanged one is not."""

    host = staticmethod(lambda: fakes.host_with_bits(44))

    def test_another_spec(self):
        host = self.host()
        for filt in self.each_filter():
            self.assertIs(True, filt.host_passes(host, fakes.flavor_bits(42)))
            self.assertIs(False, filt.host_passes(host, fakes.flavor_bits(46)))
            self.assertIs(True, filt.host_passes(host, fakes.image_bits(44)))

    def test_the_same_spec_given_another_flavor(self):
        host = self.host()
        for filt in self.each_filter():
            spec = fakes.flavor_bits(42)
            self.assertIs(True, filt.host_passes(host, spec))
            spec.flavor = fakes.emulate(46)
            self.assertIs(False, filt.host_passes(host, spec))
            spec.flavor = fakes.flavor()
            self.assertIs(True, filt.host_passes(host, spec))

    def test_the_same_spec_given_another_image(self):
        host = self.host()
        for filt in self.each_filter():
            spec = fakes.image_bits(42)
            self.assertIs(True, filt.host_passes(host, spec))
            spec.image = emulate_image(46)
            self.assertIs(False, filt.host_passes(host, spec))
            spec.image = None
            self.assertIs(True, filt.host_passes(host, spec))
            spec.image = emulate_image(44)
            self.assertIs(True, filt.host_passes(host, spec))

    def test_the_same_spec_losing_its_image(self):
        host = self.host()
        for filt in self.each_filter():
            spec = fakes.image_bits(42)
            self.assertIs(True, filt.host_passes(host, spec))
            delattr(spec, 'image')
            with self.assertLogs('nova.scheduler.filters', 'ERROR'):
                self.assertIs(False, filt.host_passes(host, spec))

    def test_two_specs_in_turn(self):
        host = self.host()
        for filt in self.each_filter():
            small, large = fakes.flavor_bits(42), fakes.flavor_bits(46)
            self.assertEqual([True, False] * 3,
                             [filt.host_passes(host, spec)
                              for spec in (small, large) * 3])

    def test_reject_reason_and_check_for_see_the_change_too(self):
        host = self.host()
        for filt in self.each_filter():
            spec = fakes.flavor_bits(42)
            self.assertIs(True, filt.host_passes(host, spec))
            spec.flavor = fakes.emulate(46)
            self.assertIn('needs at least 46 bits',
                          filt.reject_reason(host, spec))
            spec.flavor = fakes.emulate(42)
            self.assertIsNone(filt.check_for(spec)(host))
            self.assertIs(True, filt.host_passes(host, spec))

    def test_unchanged_request_is_parsed_once(self):
        hosts = [fakes.host_with_bits(b) for b in (40, 44, 48)]
        for filt in self.each_filter():
            spec = fakes.flavor_bits(42)
            with mock.patch.object(filt, 'prepare',
                                   wraps=filt.prepare) as prepare:
                for _ in range(3):
                    self.assertEqual(
                        [False, True, True],
                        [filt.host_passes(h, spec) for h in hosts])
                self.assertEqual(1, prepare.call_count)
                # Another field of the spec: the check stands.
                spec.num_instances = 2
                self.assertEqual([False, True, True],
                                 [filt.host_passes(h, spec) for h in hosts])
                self.assertEqual(1, prepare.call_count)
                spec.flavor = fakes.emulate(46)
                self.assertEqual([False, False, True],
                                 [filt.host_passes(h, spec) for h in hosts])
                self.assertEqual(2, prepare.call_count)

    def test_a_copy_of_the_spec(self):
        host = self.host()
        for filt in self.each_filter():
            spec = fakes.flavor_bits(42)
            clone = copy.copy(spec)
            self.assertIs(True, filt.host_passes(host, spec))
            self.assertIs(True, filt.host_passes(host, clone))
            clone.flavor = fakes.emulate(46)
            self.assertIs(False, filt.host_passes(host, clone))
            self.assertIs(True, filt.host_passes(host, spec))
            deep = spec.obj_clone()
            deep.flavor.extra_specs['hw:maxphysaddr_bits'] = '46'
            self.assertIs(False, filt.host_passes(host, deep))
            self.assertIs(True, filt.host_passes(host, spec))

    def test_a_spec_that_is_not_a_request_spec(self):
        # No change stamp: checked the general way, on every call.
        host = self.host()
        for filt in self.each_filter():
            spec = types.SimpleNamespace(flavor=fakes.emulate(42), image=None)
            with mock.patch.object(filt, 'prepare',
                                   wraps=filt.prepare) as prepare:
                self.assertIs(True, filt.host_passes(host, spec))
                self.assertIs(True, filt.host_passes(host, spec))
                self.assertEqual(1, prepare.call_count)
                spec.flavor = fakes.emulate(46)
                self.assertIs(False, filt.host_passes(host, spec))
                spec.image = emulate_image(46)
                spec.flavor = fakes.flavor()
                self.assertIs(False, filt.host_passes(host, spec))
                self.assertEqual(3, prepare.call_count)

    def test_a_mock_spec_is_always_read_again(self):
        # A Mock has every attribute, a change stamp included.
        host = self.host()
        for filt in self.each_filter():
            spec = mock.Mock(flavor=fakes.emulate(42), image=None)
            self.assertIs(True, filt.host_passes(host, spec))
            spec.flavor = fakes.emulate(46)
            self.assertIs(False, filt.host_passes(host, spec))


class ChangeStampTest(unittest.TestCase):
    """RequestSpec.change_stamp, which host_passes compares per host."""

    def test_a_new_stamp_for_every_change(self):
        spec = fakes.flavor_bits(42)
        seen = [spec.change_stamp]
        spec.flavor = fakes.emulate(44)
        seen.append(spec.change_stamp)
        spec.image = emulate_image(44)
        seen.append(spec.change_stamp)
        spec.num_instances = 3
        seen.append(spec.change_stamp)
        delattr(spec, 'image')
        seen.append(spec.change_stamp)
        self.assertEqual(len(seen), len({id(s) for s in seen}))
        self.assertIs(seen[-1], spec.change_stamp)

    def test_clones_and_primitives(self):
        spec = fakes.flavor_bits(42)
        clone = spec.obj_clone()
        self.assertIsNot(spec.change_stamp, clone.change_stamp)
        primitive = spec.obj_to_primitive()
        self.assertNotIn('change_stamp', primitive['nova_object.data'])
        back = objects.RequestSpec.obj_from_primitive(primitive)
        self.assertIsNot(spec.change_stamp, back.change_stamp)
        self.assertEqual('42', back.flavor.extra_specs['hw:maxphysaddr_bits'])


def hosts():
    """Hosts of every width, architecture and hypervisor version mix."""
    result = []
    for bits in HOST_BITS:
        for arch in ('x86_64', 'aarch64'):
            for version in (7002000, 8002000, None):
                result.append(fakes.host(
                    '%s-%s-%s' % (bits, arch, version),
                    fakes.cpu_info(bits), hypervisor_version=version,
                    supported_instances=[[arch, 'qemu', 'hvm']]))
    return result


SPECS = {
    'nothing': fakes.spec(),
    'flavor bits': fakes.flavor_bits(46),
    'image bits': fakes.image_bits(46),
    'image bits + arch': fakes.image_bits(46, hw_architecture='x86_64'),
    'image bits + arch + version': fakes.image_bits(
        46, hw_architecture='x86_64', img_hv_requested_version='>=8.0'),
    'arch + version': fakes.spec(image_props={
        'hw_architecture': 'x86_64', 'img_hv_requested_version': '>=8.0'}),
    'flavor bits + capabilities': fakes.flavor_bits(
        46, **{'capabilities:hypervisor_version': '>= 8000000'}),
    'passthrough': fakes.spec({'hw:maxphysaddr_mode': 'passthrough'},
                              memory_mb=fakes.LARGE_MB),
    'invalid': fakes.spec({'hw:maxphysaddr_mode': 'emulate'}),
}


class FastPathsAgreeTest(PerFilterTestCase):
    """host_passes, reject_reason and the handler: the check's verdict."""

    def test_every_host_every_request(self):
        states = hosts()
        for name, spec in SPECS.items():
            for filt in self.each_filter():
                # The check as prepare() gives it, called per host.
                with contextlib.ExitStack() as quiet:
                    if name == 'invalid':
                        quiet.enter_context(self.assertLogs(
                            'nova.scheduler', 'WARNING'))
                    check = filt.prepare(spec)
                expected = [None if check is None else check(h)
                            for h in states]
                for debug in (False, True):
                    with self.subTest(request=name, debug=debug), \
                            contextlib.ExitStack() as logs:
                        if debug and any(expected):
                            # Rejections are logged: the debug branch runs.
                            logs.enter_context(self.assertLogs(
                                'nova.scheduler', 'DEBUG'))
                        elif name == 'invalid':
                            logs.enter_context(self.assertLogs(
                                'nova.scheduler', 'WARNING'))
                        self.assertAgree(type(filt)(), spec, states,
                                         expected)

    def assertAgree(self, filt, spec, states, expected):
        self.assertEqual([r is None for r in expected],
                         [filt.host_passes(h, spec) for h in states])
        self.assertEqual(expected,
                         [filt.reject_reason(h, spec) for h in states])
        passed, rejections = filter_handler.get_filtered_hosts(
            states, spec, [type(filt)()])
        self.assertEqual([h for h, r in zip(states, expected) if r is None],
                         passed)
        self.assertEqual([(h, filt.name, r) for h, r in zip(states, expected)
                          if r is not None], rejections)
        for rejection in rejections:
            self.assertIsInstance(rejection, filter_handler.Rejection)
            self.assertEqual(rejection.reason, rejection[2])

    def test_a_host_object_that_raises(self):
        class Odd:
            host = nodename = 'odd'

        for name in ('flavor bits', 'image bits + arch'):
            for filt in self.each_filter():
                with self.subTest(request=name):
                    with self.assertLogs('nova.scheduler.filters', 'ERROR'):
                        self.assertIs(False,
                                      filt.host_passes(Odd(), SPECS[name]))
                    with self.assertLogs('nova.scheduler.filters', 'ERROR'):
                        reason = filt.reject_reason(Odd(), SPECS[name])
                    self.assertTrue(reason.startswith(
                        'the filter could not evaluate this host '
                        "(AttributeError: 'Odd' object has no attribute "
                        "'maxphysaddr_bits'"), reason)


class WidthVerdictsTest(unittest.TestCase):

    def test_each_verdict_judged_once(self):
        judged = []

        def judge(bits, unknown):
            judged.append((bits, unknown))
            return None if bits is not None and bits >= 46 else 'no'

        check = filters.WidthVerdicts(judge)
        self.assertTrue(check)  # a check, even with no verdict yet
        states = [fakes.host_with_bits(b) for b in HOST_BITS] * 3
        self.assertEqual([None, None, 'no', 'no', 'no', 'no', 'no'] * 3,
                         [check(h) for h in states])
        self.assertEqual(
            [(52, None), (46, None), (45, None), (40, None),
             (None, 'cpu_info has no maxphysaddr'),
             (None, states[5].maxphysaddr_unknown_reason),
             (None, states[6].maxphysaddr_unknown_reason)], judged)

    def test_combine_and_split(self):
        widths = filters.WidthVerdicts(lambda bits, unknown: None)
        other = filters.reject_all('no')
        self.assertEqual((widths, None), filters.split(widths))
        self.assertEqual((None, other), filters.split(other))
        self.assertEqual((None, None), filters.split(None))
        combined = filters.combine([widths, other])
        self.assertEqual((widths, other), filters.split(combined))
        self.assertEqual('no', combined(fakes.host_with_bits(48)))
        # Only a leading width check is taken apart.
        self.assertIsNone(
            filters.split(filters.combine([other, widths]))[0])
        self.assertIs(widths, filters.combine([widths]))
