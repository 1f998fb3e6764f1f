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

"""Each maxphysaddr bug of Nova 34.0.0, through its real services.

``UpstreamBugsTest`` runs with the plugin installed and configured; the
same tests in ``UpstreamBugsOnBareNovaTest`` run on bare Nova, where each
must fail (the bug), which :func:`base.shows_bug_on_bare_nova` counts as a
pass.
"""

from __future__ import annotations

from typing import Any

from nova.tests import fixtures as nova_fixtures
from nova.tests.functional.api import client
from nova.volume import cinder

from nova34_tests import base

bites = base.shows_bug_on_bare_nova
ACCEPTED = 'the API accepted'
NOT_A_VALID_SPEC = 'does not appear to be a valid extra spec'


class UpstreamBugsTest(base.MaxPhysAddrTestBase):

    HOST_BITS = {'compute1': 46}

    # The API's extra spec validation (microversion >= 2.86).

    @bites(NOT_A_VALID_SPEC)
    def test_api_accepts_both_keys(self) -> None:
        flavor_id = self.flavor()
        self.assertIsNone(self.set_specs(flavor_id, {
            'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': '42'}))
        self.assertIsNone(self.set_specs(flavor_id, {
            'hw:maxphysaddr_mode': 'passthrough'}))

    @bites(NOT_A_VALID_SPEC)
    def test_api_refuses_bad_values_naming_what_is_allowed(self) -> None:
        flavor_id = self.flavor()
        for key, value, allowed in (
                ('hw:maxphysaddr_bits', ' 42', 'from 32 to 52'),
                ('hw:maxphysaddr_bits', '4_2', 'from 32 to 52'),
                ('hw:maxphysaddr_bits', '31', 'from 32 to 52'),
                ('hw:maxphysaddr_mode', 'EMULATE', "'emulate', "
                                                   "'passthrough'")):
            exc = self.set_specs(flavor_id, {key: value})
            self.assertIsNotNone(exc, '%s=%r accepted' % (key, value))
            self.assertEqual(400, exc.response.status_code)
            self.assertIn('Invalid extra spec %s=%r: must be' % (key, value),
                          str(exc))
            self.assertIn(allowed, str(exc))

    # Image properties.

    @bites('AttributeError')
    def test_image_bits_with_an_architecture_boot(self) -> None:
        # Nova's ImagePropertiesFilter calls .get() on the JSON string
        # cpu_info: the server goes to ERROR.
        server = self.boot(self.flavor(), self.image(
            hw_architecture='x86_64', hw_maxphysaddr_mode='emulate',
            hw_maxphysaddr_bits='42'))
        self.assertEqual(('emulate', 42), self.guest_maxphysaddr(server))

    @bites(ACCEPTED)
    def test_image_bits_minus_one_refused_at_the_api(self) -> None:
        exc = self.boot_refused(self.flavor(), self.image(
            hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits='-1'))
        self.assertEqual(400, exc.response.status_code)
        self.assertIn('Invalid image property hw_maxphysaddr_bits', str(exc))
        self.assertIn('from 32 to 52', str(exc))

    @bites("'status': 'ACTIVE'")
    def test_image_bits_wider_than_the_host_not_scheduled(self) -> None:
        # Without hw_architecture Nova's ImagePropertiesFilter returns
        # before it compares bits: a 48-bit guest lands on a 46-bit host.
        server = self.boot(self.flavor(), self.image(
            hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits='48'),
            expected_state='ERROR')
        self.assertIn('No valid host', server['fault']['message'])
        self.assertIn('MaxPhysAddrFilter refused 1 of 1 hosts: host has 46 '
                      'physical address bits; the guest (mode=emulate, '
                      'bits=48) needs at least 48 bits',
                      self.stdlog.logger.output)

    # Flavor and image together.

    @bites(ACCEPTED)
    def test_flavor_and_image_bits_conflict_refused(self) -> None:
        # Nova's driver takes each key from the flavor, else the image:
        # flavor bits 40 and image emulate/44 boot with 40.
        exc = self.boot_refused(
            self.flavor(hw_maxphysaddr_mode='emulate',
                        hw_maxphysaddr_bits='40'),
            self.image(hw_maxphysaddr_mode='emulate',
                       hw_maxphysaddr_bits='44'))
        self.assertEqual(400, exc.response.status_code)
        self.assertIn("Conflicting maxphysaddr bits request: the flavor sets "
                      "hw:maxphysaddr_bits=40 but the image sets "
                      "hw_maxphysaddr_bits=44", str(exc))

    @bites(ACCEPTED)
    def test_mode_conflict_is_a_400_not_a_fault(self) -> None:
        exc = self.boot_refused(
            self.flavor(hw_maxphysaddr_mode='passthrough'),
            self.image(hw_maxphysaddr_mode='emulate',
                       hw_maxphysaddr_bits='42'))
        self.assertEqual(400, exc.response.status_code)
        self.assertIn('Conflicting maxphysaddr mode request', str(exc))

    @bites(ACCEPTED)
    def test_ram_too_large_for_the_bits_refused(self) -> None:
        exc = self.boot_refused(
            self.flavor(memory_mb=1536 * base.GiB_MB,
                        hw_maxphysaddr_mode='emulate',
                        hw_maxphysaddr_bits='40'),
            self.glance.image1['id'])
        self.assertEqual(400, exc.response.status_code)
        self.assertIn('hw:maxphysaddr_bits=40 is too small for this flavor',
                      str(exc))

    @bites(ACCEPTED)
    def test_emulate_without_bits_refused(self) -> None:
        exc = self.boot_refused(self.flavor(hw_maxphysaddr_mode='emulate'),
                                self.glance.image1['id'])
        self.assertEqual(400, exc.response.status_code)
        self.assertIn('emulate needs the width', str(exc))

    @bites(ACCEPTED)
    def test_passthrough_with_bits_refused(self) -> None:
        exc = self.boot_refused(
            self.flavor(hw_maxphysaddr_mode='passthrough',
                        hw_maxphysaddr_bits='42'),
            self.glance.image1['id'])
        self.assertEqual(400, exc.response.status_code)
        self.assertIn('takes no bits', str(exc))

    @bites(ACCEPTED)
    def test_bits_without_a_mode_refused(self) -> None:
        exc = self.boot_refused(self.flavor(hw_maxphysaddr_bits='42'),
                                self.glance.image1['id'])
        self.assertEqual(400, exc.response.status_code)
        self.assertIn('no maxphysaddr mode is', str(exc))

    @bites(ACCEPTED)
    def test_conflict_with_an_integer_flavor_ref_refused(self) -> None:
        # Nova's API takes flavorRef as a JSON integer too.
        self.flavor(flavor_id='4242', hw_maxphysaddr_mode='passthrough')
        exc = self.boot_refused(4242, self.image(
            hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits='42'))
        self.assertEqual(400, exc.response.status_code)
        self.assertIn('Conflicting maxphysaddr mode request', str(exc))

    # Rebuild and resize.

    @bites('rebuilt with the new image')
    def test_rebuild_to_an_image_wider_than_the_host_refused(self) -> None:
        # Nova's ComputeCapabilitiesFilter does not run on rebuild and its
        # ImagePropertiesFilter skips bits without hw_architecture: the
        # 46-bit host rebuilds the guest with 48.
        server = self.boot(self.flavor(), self.glance.image1['id'])
        image_id = self.image(hw_maxphysaddr_mode='emulate',
                              hw_maxphysaddr_bits='48')
        try:
            self.api.post_server_action(server['id'],
                                        {'rebuild': {'imageRef': image_id}})
        except client.OpenStackApiException as exc:
            # In a cloud the conductor's NoValidHost ends an RPC cast; the
            # functional base turns casts into calls, so it surfaces here.
            self.assertIn('NoValidHost', str(exc))
        server = self.api.get_server(server['id'])
        self.assertEqual(self.glance.image1['id'], server['image']['id'],
                         'rebuilt with the new image')
        self.assertNotEqual(('emulate', 48), self.guest_maxphysaddr(server))
        self.assertIn('MaxPhysAddrFilter refused 1 of 1 hosts: host has 46 '
                      'physical address bits', self.stdlog.logger.output)

    @bites(ACCEPTED)
    def test_rebuild_into_a_conflict_refused_at_the_api(self) -> None:
        server = self.boot(self.flavor(hw_maxphysaddr_mode='passthrough'),
                           self.glance.image1['id'])
        image_id = self.image(hw_maxphysaddr_mode='emulate',
                              hw_maxphysaddr_bits='42')
        try:
            self.api.post_server_action(server['id'],
                                        {'rebuild': {'imageRef': image_id}})
        except client.OpenStackApiException as exc:
            self.assertEqual(400, exc.response.status_code)
            self.assertIn('Conflicting maxphysaddr mode request', str(exc))
        else:
            self.fail('the API accepted the rebuild')

    @bites(ACCEPTED)
    def test_resize_to_a_flavor_too_small_for_its_ram_refused(self) -> None:
        server = self.boot(self.flavor(), self.glance.image1['id'])
        big = self.flavor(memory_mb=1536 * base.GiB_MB,
                          hw_maxphysaddr_mode='emulate',
                          hw_maxphysaddr_bits='40')
        try:
            self.api.post_server_action(server['id'],
                                        {'resize': {'flavorRef': big}})
        except client.OpenStackApiException as exc:
            if exc.response.status_code >= 500:
                # Accepted, then no host had the RAM: the functional base
                # turns the conductor's cast into a call, so it lands here.
                self.fail('the API accepted the resize (then: %s)' % exc)
            self.assertEqual(400, exc.response.status_code)
            self.assertIn('is too small for this flavor', str(exc))
        else:
            self.fail('the API accepted the resize')


class UpstreamBugsOnBareNovaTest(UpstreamBugsTest):
    """The same tests on Nova 34 without the plugin: each must fail."""

    PLUGIN = False


class UnknownWidthTest(base.MaxPhysAddrTestBase):
    """A host whose capabilities have no ``<maxphysaddr>``."""

    HOST_BITS = {'compute1': None}

    @bites("'status': 'ACTIVE'")
    def test_emulate_image_fails_closed(self) -> None:
        server = self.boot(self.flavor(), self.image(
            hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits='42'),
            expected_state='ERROR')
        self.assertIn('No valid host', server['fault']['message'])
        self.assertIn('host physical address width is unknown',
                      self.stdlog.logger.output)


class UnknownWidthOnBareNovaTest(UnknownWidthTest):
    PLUGIN = False


class WorkingRequestsTest(base.MaxPhysAddrTestBase):
    """What should boot boots, with the plugin, as the operator asked."""

    HOST_BITS = {'compute1': 46}

    def test_flavor_emulate(self) -> None:
        server = self.boot(self.flavor(hw_maxphysaddr_mode='emulate',
                                       hw_maxphysaddr_bits='42'),
                           self.glance.image1['id'])
        self.assertEqual(('emulate', 42), self.guest_maxphysaddr(server))

    def test_flavor_passthrough(self) -> None:
        server = self.boot(self.flavor(hw_maxphysaddr_mode='passthrough'),
                           self.glance.image1['id'])
        self.assertEqual(('passthrough', None),
                         self.guest_maxphysaddr(server))

    def test_flavor_and_image_agreeing(self) -> None:
        server = self.boot(
            self.flavor(hw_maxphysaddr_mode='emulate',
                        hw_maxphysaddr_bits='42'),
            self.image(hw_maxphysaddr_mode='emulate',
                       hw_maxphysaddr_bits='42'))
        self.assertEqual(('emulate', 42), self.guest_maxphysaddr(server))

    def test_a_valid_rebuild_passes_the_api_filter(self) -> None:
        # The filter reads the action body; Nova must still read it.
        server = self.boot(self.flavor(), self.glance.image1['id'])
        server = self._rebuild_server(server, self.image(
            hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits='42'))
        self.assertEqual(('emulate', 42), self.guest_maxphysaddr(server))

    def test_image_value_as_nova_reads_it(self) -> None:
        # Nova's ImageMetaProps reads ' 42' as 42: the API filter judges
        # the typed value the scheduler and driver see, so it boots.
        server = self.boot(self.flavor(), self.image(
            hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits=' 42'))
        self.assertEqual(('emulate', 42), self.guest_maxphysaddr(server))

    def test_boot_from_a_volume_whose_image_sets_the_mode(self) -> None:
        # The flavor has the bits, the volume's image metadata the mode:
        # the API cannot see the volume's metadata and must not refuse.
        volume_id = nova_fixtures.CinderFixture.IMAGE_BACKED_VOL
        get = cinder.API.get
        real = get.side_effect

        def with_mode(context: Any, vol_id: str, *args: Any,
                      **kwargs: Any) -> Any:
            volume = real(context, vol_id, *args, **kwargs)
            if vol_id == volume_id:
                volume['volume_image_metadata'] = dict(
                    volume['volume_image_metadata'],
                    hw_maxphysaddr_mode='emulate')
            return volume
        get.side_effect = with_mode
        self.addCleanup(setattr, get, 'side_effect', real)
        body = self._build_server(image_uuid='', networks='none')
        body['flavorRef'] = self.flavor(hw_maxphysaddr_bits='42')
        body['block_device_mapping_v2'] = [{
            'boot_index': 0, 'uuid': volume_id, 'source_type': 'volume',
            'destination_type': 'volume'}]
        server = self._wait_for_state_change(
            self.api.post_server({'server': body}), 'ACTIVE')
        self.assertEqual(('emulate', 42), self.guest_maxphysaddr(server))

    def test_no_keys_no_element(self) -> None:
        server = self.boot(self.flavor(), self.glance.image1['id'])
        self.assertEqual((None, None), self.guest_maxphysaddr(server))
