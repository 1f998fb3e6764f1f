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

"""The plugin's parts inside real Nova 34, at unit level: Nova's own unit
tests run against the replacement filter, and what Nova 34's filter gets
wrong checked against ours."""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

import fixtures
from nova.api.openstack import wsgi_app
from nova.api.validation.extra_specs import validators as nova_validators
from nova import exception
from nova import objects
from nova.objects import fields as obj_fields
from nova import test
from nova.tests.unit.scheduler import fakes
from nova.tests.unit.scheduler.filters import test_image_props_filters
from nova.scheduler.filters import image_props_filter
from paste import deploy
from stevedore import extension

from nova_maxphysaddr import filters
from nova_maxphysaddr import validators
from nova34_tests import base

ENTRY_POINT_GROUP = 'nova.api.extra_spec_validators'
PLUGIN_ENTRY_POINT = 'maxphysaddr'
GiB_MB = 1024


class NovaImagePropsTestsOnThePluginFilter(
        test_image_props_filters.TestImagePropsFilter):
    """Every one of Nova 34's ImagePropertiesFilter unit tests, on ours."""

    def setUp(self) -> None:
        super().setUp()
        self.filt_cls = filters.MaxPhysAddrImagePropertiesFilter()


def host(cpu_info: Any, host: str = 'host1') -> Any:
    """A scheduler host state as Nova's HostManager builds it: cpu_info is
    the compute node's JSON string."""
    return fakes.FakeHostState(host, 'node1', {
        'cpu_info': cpu_info,
        'supported_instances': [(obj_fields.Architecture.X86_64,
                                 obj_fields.HVType.KVM,
                                 obj_fields.VMMode.HVM)],
        'hypervisor_version': 9000000})


def cpu_info(bits: int | None) -> str:
    info: dict[str, Any] = {'arch': 'x86_64', 'model': 'EPYC',
                            'vendor': 'AMD', 'features': ['svm']}
    if bits is not None:
        info['maxphysaddr'] = {'mode': 'emulate', 'bits': bits}
    return json.dumps(info)


def spec(memory_mb: int = 2048, extra_specs: dict[str, str] | None = None,
         **props: Any) -> Any:
    return objects.RequestSpec(
        flavor=objects.Flavor(memory_mb=memory_mb, vcpus=1, root_gb=1,
                              ephemeral_gb=0, swap=0,
                              extra_specs=extra_specs or {}),
        image=objects.ImageMeta(properties=objects.ImageMetaProps(**props)))


class ImagePropertiesOnJSONCpuInfoTest(test.NoDBTestCase):

    IMAGE = {'hw_architecture': 'x86_64', 'hw_maxphysaddr_mode': 'emulate',
             'hw_maxphysaddr_bits': 44}

    def test_nova_34_raises_on_the_stored_json(self) -> None:
        # The upstream bug, as the scheduler meets it (server in ERROR).
        self.assertRaises(AttributeError,
                          image_props_filter.ImagePropertiesFilter()
                          .host_passes, host(cpu_info(46)), spec(**self.IMAGE))

    def test_the_plugin_compares_the_width(self) -> None:
        filt = filters.MaxPhysAddrImagePropertiesFilter()
        self.assertTrue(filt.host_passes(host(cpu_info(46)),
                                         spec(**self.IMAGE)))
        self.assertFalse(filt.host_passes(host(cpu_info(42)),
                                          spec(**self.IMAGE)))
        # Nova's own rule for a host without a width: it passes (the
        # MaxPhysAddrFilter fails it closed).
        self.assertTrue(filt.host_passes(host(cpu_info(None)),
                                         spec(**self.IMAGE)))

    def test_a_new_cpu_info_is_read_again(self) -> None:
        filt = filters.MaxPhysAddrImagePropertiesFilter()
        state = host(cpu_info(46))
        self.assertTrue(filt.host_passes(state, spec(**self.IMAGE)))
        state.cpu_info = cpu_info(40)
        self.assertFalse(filt.host_passes(state, spec(**self.IMAGE)))


class MaxPhysAddrFilterTest(test.NoDBTestCase):

    def setUp(self) -> None:
        super().setUp()
        self.filt = filters.MaxPhysAddrFilter()

    def passes(self, state: Any, spec_obj: Any) -> bool:
        return self.filt.host_passes(state, spec_obj)

    def test_runs_on_rebuild(self) -> None:
        self.assertTrue(filters.MaxPhysAddrFilter.RUN_ON_REBUILD)

    def test_nothing_asked_every_host_passes(self) -> None:
        for info in (cpu_info(46), cpu_info(None), None, 'not json'):
            self.assertTrue(self.passes(host(info), spec()))

    def test_emulate_needs_the_bits_on_the_host(self) -> None:
        request = spec(extra_specs={'hw:maxphysaddr_mode': 'emulate',
                                    'hw:maxphysaddr_bits': '44'})
        self.assertTrue(self.passes(host(cpu_info(44)), request))
        self.assertFalse(self.passes(host(cpu_info(43)), request))

    def test_unknown_width_fails_closed_for_emulate(self) -> None:
        request = spec(hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits=42)
        for info in (cpu_info(None), None, 'not json', '[1]',
                     json.dumps({'maxphysaddr': {'bits': 'many'}})):
            with self.subTest(cpu_info=info):
                self.assertFalse(self.passes(host(info), request))
        self.assertEqual([], list(self.filt.filter_all(
            [host(cpu_info(None))], request)))
        self.assertIn('MaxPhysAddrFilter refused 1 of 1 hosts: host physical '
                      'address width is unknown', self.stdlog.logger.output)

    def test_filter_all_logs_once_per_request(self) -> None:
        hosts = [host(cpu_info(46), 'host%d' % i) for i in range(5)]
        never = spec(extra_specs={'hw:maxphysaddr_mode': 'emulate'})
        self.assertEqual([], list(self.filt.filter_all(hosts, never)))
        self.assertEqual(1, self.stdlog.logger.output.count(
            'MaxPhysAddrFilter: no host can take this request'))
        narrow = [host(cpu_info(40), 'narrow')]
        fits = spec(hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits=44)
        self.assertEqual(hosts, list(self.filt.filter_all(hosts + narrow,
                                                          fits)))
        self.assertIn('MaxPhysAddrFilter refused 1 of 6 hosts: host has 40 '
                      'physical address bits', self.stdlog.logger.output)

    def test_a_changed_request_is_resolved_again(self) -> None:
        request = spec(hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits=44)
        state = host(cpu_info(42))
        self.assertFalse(self.passes(state, request))
        request.image = objects.ImageMeta(properties=objects.ImageMetaProps(
            hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits=42))
        self.assertTrue(self.passes(state, request))

    def test_rebuild_passthrough_on_unknown_width_fails_closed(self) -> None:
        request = spec(extra_specs={'hw:maxphysaddr_mode': 'passthrough'})
        self.assertTrue(self.passes(host(cpu_info(None)), request))
        request.scheduler_hints = {'_nova_check_type': ['rebuild']}
        self.assertFalse(self.passes(host(cpu_info(None)), request))
        self.assertTrue(self.passes(host(cpu_info(46)), request))

    def test_passthrough_width_must_hold_the_ram(self) -> None:
        request = spec(memory_mb=1536 * GiB_MB,
                       extra_specs={'hw:maxphysaddr_mode': 'passthrough'})
        self.assertFalse(self.passes(host(cpu_info(40)), request))
        self.assertTrue(self.passes(host(cpu_info(46)), request))
        # Unknown: the required trait decides (Placement did).
        self.assertTrue(self.passes(host(cpu_info(None)), request))

    def test_requests_that_never_boot_fail_every_host(self) -> None:
        for request in (
                spec(extra_specs={'hw:maxphysaddr_mode': 'emulate'}),
                spec(extra_specs={'hw:maxphysaddr_bits': '42'}),
                spec(extra_specs={'hw:maxphysaddr_mode': 'passthrough',
                                  'hw:maxphysaddr_bits': '42'}),
                spec(extra_specs={'hw:maxphysaddr_mode': 'passthrough'},
                     hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits=42),
                spec(hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits=-1),
                spec(memory_mb=1536 * GiB_MB,
                     extra_specs={'hw:maxphysaddr_mode': 'emulate',
                                  'hw:maxphysaddr_bits': '40'})):
            with self.subTest(request=request):
                self.assertFalse(self.passes(host(cpu_info(52)), request))

    def test_never_raises_on_a_spec_without_flavor_or_image(self) -> None:
        state = host(cpu_info(46))
        self.assertTrue(self.passes(state, objects.RequestSpec()))
        self.assertTrue(self.passes(state, objects.RequestSpec(
            flavor=objects.Flavor(memory_mb=512, extra_specs={}))))


class ValidatorRegistrationTest(test.NoDBTestCase):

    def nova_names(self) -> set[str]:
        """The names Nova's own validator modules register."""
        names: set[str] = set()
        manager = extension.ExtensionManager(ENTRY_POINT_GROUP)
        for ext in manager:
            if ext.name != PLUGIN_ENTRY_POINT:
                names.update(v.name for v in ext.plugin.register())
        return names

    def test_nova_loads_the_plugin_through_its_entry_point(self) -> None:
        manager = extension.ExtensionManager(ENTRY_POINT_GROUP)
        self.assertIs(validators, manager[PLUGIN_ENTRY_POINT].plugin)
        for validator in validators.register():
            self.assertIs(validators.RuleValidator,
                          type(nova_validators.VALIDATORS[validator.name]))

    def test_no_name_nova_ships_is_replaced(self) -> None:
        ours = {v.name for v in validators.register()}
        self.assertEqual(set(), ours & self.nova_names())

    def test_values_as_the_tree_refuses_them(self) -> None:
        for name, value, message in (
                ('hw:maxphysaddr_mode', 'Emulate',
                 "Invalid extra spec hw:maxphysaddr_mode='Emulate': must be "
                 "one of 'emulate', 'passthrough' (exact, lower case)"),
                ('hw:maxphysaddr_bits', '+42',
                 "Invalid extra spec hw:maxphysaddr_bits='+42': must be a "
                 "decimal integer from 32 to 52"),
                ('hw:maxphysaddr_bits', '53',
                 "Invalid extra spec hw:maxphysaddr_bits='53': must be a "
                 "decimal integer from 32 to 52")):
            with self.subTest(value=value):
                exc = self.assertRaises(exception.ValidationError,
                                        nova_validators.validate, name, value)
                self.assertEqual(message, str(exc))
        nova_validators.validate('hw:maxphysaddr_mode', 'passthrough')
        nova_validators.validate('hw:maxphysaddr_bits', '52')


class ProductionPipelineTest(test.NoDBTestCase):
    """The plugin's api-paste.ini, loaded the way Nova 34's WSGI
    application (nova.wsgi.osapi_compute) loads it on an API host."""

    def test_the_wsgi_application_loads_the_filter(self) -> None:
        etc = self.useFixture(fixtures.TempDir()).path
        shutil.copy(base.PLUGIN_PASTE, os.path.join(etc, 'api-paste.ini'))
        paste_file = wsgi_app._get_config_files({'OS_NOVA_CONFIG_DIR': etc})[0]
        self.assertEqual(os.path.join(etc, 'api-paste.ini'), paste_file)
        deploy.loadapp('config:%s' % paste_file, name='osapi_compute')
        self.assertIn('maxphysaddr API filter loaded',
                      self.stdlog.logger.output)
