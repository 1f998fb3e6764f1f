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

"""The filter handler, and both filters judging one request the same way."""

import unittest
from unittest import mock

from nova import exception
from nova import objects
from nova.scheduler import filter_handler
from nova.scheduler.filters import compute_capabilities_filter as ccf
from nova.scheduler.filters import image_props_filter as ipf

from tests import fakes


def hosts_by_name(**bits):
    return {name: fakes.host_with_bits(value, name=name)
            for name, value in bits.items()}


class GetFiltersTest(unittest.TestCase):

    def test_default_is_both_filters(self):
        self.assertEqual(
            [ccf.ComputeCapabilitiesFilter, ipf.ImagePropertiesFilter],
            [type(f) for f in filter_handler.get_filters()])

    def test_by_name_in_order(self):
        self.assertEqual(
            ['ImagePropertiesFilter'],
            [f.name for f in filter_handler.get_filters(
                ['ImagePropertiesFilter'])])

    def test_unknown_name(self):
        with self.assertRaises(exception.SchedulerHostFilterNotFound) as ctx:
            filter_handler.get_filters(['RamFilter'])
        self.assertEqual(
            "Unknown scheduler host filter 'RamFilter'; known filters: "
            "ComputeCapabilitiesFilter, ImagePropertiesFilter",
            str(ctx.exception))


class GetFilteredHostsTest(unittest.TestCase):

    def test_each_rejected_host_with_its_reason(self):
        hosts = hosts_by_name(big=52, exact=46, small=40,
                              old=fakes.NO_MAXPHYSADDR, junk='abc')
        hosts['arm'] = fakes.host('arm', fakes.cpu_info(48),
                                  supported_instances=[
                                      ['aarch64', 'qemu', 'hvm']])
        spec = fakes.spec(
            {'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': '46'},
            {'hw_architecture': 'x86_64'})
        passed, rejections = filter_handler.get_filtered_hosts(
            hosts.values(), spec, filter_handler.get_filters())
        self.assertEqual([hosts['big'], hosts['exact']], passed)
        by_host = {r.host_state.host: r for r in rejections}
        self.assertEqual({'small', 'old', 'junk', 'arm'}, set(by_host))
        self.assertEqual(4, len(rejections))  # first refusal only
        self.assertEqual(
            ('ComputeCapabilitiesFilter',
             'host has 40 physical address bits; the guest (mode=emulate, '
             'bits=46) needs at least 46 bits'),
            by_host['small'][1:])
        self.assertEqual('ComputeCapabilitiesFilter',
                         by_host['old'].filter_name)
        self.assertIn("cpu_info maxphysaddr bits is 'abc'",
                      by_host['junk'].reason)
        self.assertEqual(
            ('ImagePropertiesFilter',
             "host supports [['aarch64', 'qemu', 'hvm']], not the image's "
             "hw_architecture=x86_64"), by_host['arm'][1:])

    def test_request_parsed_once_per_call(self):
        hosts = list(hosts_by_name(a=40, b=48, c=52).values())
        filt = ccf.ComputeCapabilitiesFilter()
        spec = fakes.flavor_bits(46)
        with mock.patch.object(filt, 'prepare', wraps=filt.prepare) as prep:
            passed, _ = filter_handler.get_filtered_hosts(hosts, spec, [filt])
            self.assertEqual(1, prep.call_count)
        self.assertEqual(['b', 'c'], [h.host for h in passed])

    def test_nothing_to_check(self):
        hosts = list(hosts_by_name(a=fakes.NO_MAXPHYSADDR, b='abc').values())
        self.assertEqual((hosts, []), filter_handler.get_filtered_hosts(
            hosts, fakes.spec(), filter_handler.get_filters()))

    def test_a_check_that_raises_rejects_only_that_host(self):
        # Something that is not a HostState at all, among real ones.
        class Odd:
            host = nodename = 'odd'

        good = fakes.host_with_bits(48, name='good')
        with self.assertLogs('nova.scheduler.filters', 'ERROR') as logs:
            passed, rejections = filter_handler.get_filtered_hosts(
                [Odd(), good], fakes.flavor_bits(42),
                filter_handler.get_filters())
        self.assertEqual([good], passed)
        self.assertEqual(1, len(rejections))
        self.assertTrue(rejections[0].reason.startswith(
            'the filter could not evaluate this host (AttributeError'))
        self.assertIn('Filter check failed on host', logs.output[0])

    def test_a_spec_without_flavor_or_image_never_raises(self):
        # An unset field of a RequestSpec raises NotImplementedError (oslo
        # lazy-load), not AttributeError.
        image = objects.ImageMeta.from_dict({'properties': {
            'hw_maxphysaddr_mode': 'emulate', 'hw_maxphysaddr_bits': 42}})
        bare = objects.RequestSpec()
        delattr(bare, 'image')
        specs = [objects.RequestSpec(image=image), bare]
        host = fakes.host_with_bits(48)
        for spec in specs:
            for cls in filter_handler.FILTER_CLASSES.values():
                with self.subTest(spec=spec, filter=cls.__name__):
                    with self.assertLogs('nova.scheduler.filters', 'ERROR'):
                        self.assertIs(False, cls().host_passes(host, spec))
                    with self.assertLogs('nova.scheduler.filters', 'ERROR'):
                        passed, rejections = \
                            filter_handler.get_filtered_hosts(
                                [host], spec, [cls()])
                    self.assertEqual([], passed)
                    self.assertIn('could not read the request',
                                  rejections[0].reason)

    def test_rejections_logged_at_debug(self):
        with self.assertLogs('nova.scheduler.filter_handler', 'DEBUG') as log:
            filter_handler.get_filtered_hosts(
                [fakes.host_with_bits(40, name='small')],
                fakes.flavor_bits(42), filter_handler.get_filters())
        self.assertEqual(1, len(log.output))
        self.assertIn('(small, small) fails ComputeCapabilitiesFilter: host '
                      'has 40 physical address bits', log.output[0])


class FiltersAgreeTest(unittest.TestCase):
    """Both filters give one request the same verdict on every host."""

    HOST_BITS = [52, 48, 46, 45, 40, 36, fakes.NO_MAXPHYSADDR] + \
        fakes.JUNK_BITS

    def test_same_verdict_and_reason(self):
        specs = {
            'flavor': fakes.flavor_bits(46),
            'image': fakes.image_bits(46),
            'both': fakes.spec(
                {'hw:maxphysaddr_mode': 'emulate',
                 'hw:maxphysaddr_bits': '46'},
                {'hw_maxphysaddr_mode': 'emulate', 'hw_maxphysaddr_bits': 46}),
            'mixed': fakes.spec({'hw:maxphysaddr_mode': 'emulate'},
                                {'hw_maxphysaddr_bits': 46}),
        }
        caps, props = (ccf.ComputeCapabilitiesFilter(),
                       ipf.ImagePropertiesFilter())
        for source, spec in specs.items():
            for bits in self.HOST_BITS:
                for as_json in (True, False):
                    host = fakes.host_with_bits(bits, as_json)
                    with self.subTest(source=source, bits=bits,
                                      as_json=as_json):
                        reason = caps.reject_reason(host, spec)
                        self.assertEqual(reason,
                                         props.reject_reason(host, spec))
                        expected = isinstance(bits, int) and not isinstance(
                            bits, bool) and 46 <= bits <= 64
                        self.assertEqual(expected, reason is None)
