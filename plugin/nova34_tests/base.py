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

"""One base for the functional tests: Nova's libvirt ServersTestBase, with
or without the plugin.

With ``PLUGIN = True`` the test runs with what an operator installs: the
validators (loaded by Nova from the plugin's entry point), the nova.conf
snippet's filters and the plugin's api-paste.ini.  With ``PLUGIN = False``
the same test runs on bare Nova 34 (the validators taken out of Nova's
registry, Nova's default filters, the paste file without the plugin's
filter), and :func:`shows_bug_on_bare_nova` turns its failure into a pass:
each test proves it bites.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import time
from typing import Any
import uuid

import fixtures
from nova.api.validation.extra_specs import validators as nova_validators
from nova.conf import scheduler as nova_scheduler_conf
from nova import context as nova_context
from nova.tests.functional.api import client
from nova.tests.functional.libvirt import base
from nova.virt.libvirt import driver as libvirt_driver
from oslo_config import cfg
from oslo_utils import versionutils

from nova_maxphysaddr import validators as plugin_validators

PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUGIN_PASTE = os.path.join(PLUGIN_DIR, 'etc', 'api-paste.ini')
PLUGIN_CONF = os.path.join(PLUGIN_DIR, 'etc', 'nova-maxphysaddr.conf')

GiB_MB = 1024
# Debian 12's libvirt and QEMU: Nova 34 reports the COMPUTE_ADDRESS_SPACE_*
# traits from libvirt 8.7.0 (its fake connection defaults to older).
LIBVIRT_VERSION = versionutils.convert_version_to_int((9, 0, 0))
QEMU_VERSION = versionutils.convert_version_to_int((7, 2, 0))
# How long an accepted boot may take to end (fake libvirt: well under 1 s).
SETTLE_POLLS = 50
SETTLE_INTERVAL = 0.1


def snippet_options() -> Any:
    """The nova.conf snippet's ``[filter_scheduler]``, read by oslo.config
    with Nova's own option definitions, as nova-scheduler reads it."""
    conf = cfg.ConfigOpts()
    conf.register_opts(nova_scheduler_conf.filter_scheduler_opts,
                       group=nova_scheduler_conf.filter_scheduler_group)
    conf(['--config-file', PLUGIN_CONF], project='nova',
         default_config_files=[])
    return conf.filter_scheduler


def bare_paste_file(test: Any) -> str:
    """Nova's pipelines without the plugin's filter, in a temporary file."""
    with open(PLUGIN_PASTE) as f:
        text = f.read()
    text = re.sub(r' maxphysaddr(?= osapi_compute_app_v21)', '', text)
    text = re.sub(r'\[filter:maxphysaddr\]\n[^\n]*\n\n', '', text)
    tmp = test.useFixture(fixtures.TempDir()).path
    path = os.path.join(tmp, 'api-paste.ini')
    with open(path, 'w') as f:
        f.write(text)
    return path


def shows_bug_on_bare_nova(symptom: str) -> Any:
    """On bare Nova the test must fail, with ``symptom`` in its failure
    message: that failure is the bug (and counts as a pass); any other
    failure, or none, fails the test."""
    def decorate(test_method: Any) -> Any:
        @functools.wraps(test_method)
        def wrapper(self: Any) -> None:
            if self.PLUGIN:
                return test_method(self)
            try:
                test_method(self)
            except self.failureException as exc:
                if symptom not in str(exc):
                    raise
                return
            self.fail('passes on bare Nova 34: this test does not show the '
                      'bug')
        return wrapper
    return decorate


class MaxPhysAddrTestBase(base.ServersTestBase):
    """A Nova 34 cloud of libvirt computes that report ``<maxphysaddr>``."""

    PLUGIN = True
    microversion = 'latest'
    # What the computes' host CPUs report, by hostname.
    HOST_BITS: dict[str, int | None] = {'compute1': 46}

    def setUp(self) -> None:
        super().setUp()
        # Large-RAM flavors must meet the bug, not the default RAM quota.
        self.flags(ram=-1, group='quota')
        if not self.PLUGIN:
            # Nova loaded the installed plugin's validators at import; take
            # them out again for bare Nova.
            ours = {v.name for v in plugin_validators.register()}
            self.useFixture(fixtures.MockPatchObject(
                nova_validators, 'VALIDATORS',
                {k: v for k, v in nova_validators.VALIDATORS.items()
                 if k not in ours}))
        self.ctxt = nova_context.get_admin_context()
        self.guest_configs: dict[str, Any] = {}
        real_get_config = libvirt_driver.LibvirtDriver._get_guest_config

        def capture(driver: Any, instance: Any, *args: Any,
                    **kwargs: Any) -> Any:
            config = real_get_config(driver, instance, *args, **kwargs)
            self.guest_configs[instance.uuid] = config
            return config
        self.useFixture(fixtures.MonkeyPatch(
            'nova.virt.libvirt.driver.LibvirtDriver._get_guest_config',
            capture))
        for hostname in self.HOST_BITS:
            self.start_compute(hostname, libvirt_version=LIBVIRT_VERSION,
                               qemu_version=QEMU_VERSION)

    def _setup_services(self) -> None:
        if self.PLUGIN:
            scheduler = snippet_options()
            self.flags(available_filters=scheduler.available_filters,
                       enabled_filters=scheduler.enabled_filters,
                       group='filter_scheduler')
            # Nova's functional API fixture loads the paste file named by
            # [wsgi]api_paste_config; the WSGI application of a real API
            # host reads /etc/nova/api-paste.ini (test_units checks the
            # plugin's file loads that way too).
            self.flags(api_paste_config=PLUGIN_PASTE, group='wsgi')
        else:
            self.flags(api_paste_config=bare_paste_file(self), group='wsgi')
        super()._setup_services()

    def _get_connection(self, host_info: Any = None, pci_info: Any = None,
                        mdev_info: Any = None, vdpa_info: Any = None,
                        libvirt_version: Any = None,
                        qemu_version: Any = None,
                        hostname: str | None = None) -> Any:
        conn = super()._get_connection(host_info, pci_info, mdev_info,
                                       vdpa_info, libvirt_version,
                                       qemu_version, hostname)
        bits = self.HOST_BITS.get(hostname or 'compute1')
        if bits is None:
            return conn
        real = conn.getCapabilities

        def with_maxphysaddr() -> str:
            return re.sub(
                r'(<host>.*?<cpu>)',
                r"\1<maxphysaddr mode='emulate' bits='%d'/>" % bits,
                real(), count=1, flags=re.S)
        conn.getCapabilities = with_maxphysaddr
        return conn

    # Builders.

    def flavor(self, memory_mb: int = 512, flavor_id: str | None = None,
               **extra_specs: str) -> str:
        """A flavor with these extra specs (``hw:`` keys as ``hw_...``).

        The specs are set at microversion 2.85, before the API validated
        extra specs: the way an operator gets them past bare Nova 34's
        validators, so each test shows its own bug, not that one.
        """
        flavor_id = self._create_flavor(id=flavor_id, memory_mb=memory_mb,
                                        vcpu=1, disk=1, ephemeral=0)
        if extra_specs:
            admin = self.api_fixture.admin_api
            latest, admin.microversion = admin.microversion, '2.85'
            try:
                admin.post_extra_spec(flavor_id, {'extra_specs': {
                    k.replace('hw_', 'hw:', 1): v
                    for k, v in extra_specs.items()}})
            finally:
                admin.microversion = latest
        return flavor_id

    def set_specs(self, flavor_id: str, specs: dict[str, str]) -> Any:
        """Set extra specs at the latest microversion (validated); the API's
        error, or None when it accepts them."""
        try:
            self.api_fixture.admin_api.post_extra_spec(
                flavor_id, {'extra_specs': specs})
        except client.OpenStackApiException as exc:
            return exc
        return None

    def image(self, **properties: Any) -> str:
        """A Glance image with these properties."""
        image = copy.deepcopy(self.glance.image1)
        image['id'] = str(uuid.uuid4())
        image['properties'] = dict(properties)
        self.glance.create(self.ctxt, image)
        return image['id']

    def boot(self, flavor_id: str, image_id: str,
             expected_state: str = 'ACTIVE') -> dict[str, Any]:
        return self._create_server(flavor_id=flavor_id, image_uuid=image_id,
                                   networks='none',
                                   expected_state=expected_state)

    def boot_refused(self, flavor_id: Any, image_id: str
                     ) -> client.OpenStackApiException:
        """The API's refusal of a boot (fails the test if it accepts)."""
        body = self._build_server(image_uuid=image_id, networks='none')
        body['flavorRef'] = flavor_id
        try:
            server = self.api.post_server({'server': body})
        except client.OpenStackApiException as exc:
            return exc
        # Accepted: let the build end and delete the server, or the
        # services' shutdown waits a minute for it.
        for _attempt in range(SETTLE_POLLS):
            server = self.api.get_server(server['id'])
            if server['status'] in ('ACTIVE', 'ERROR'):
                break
            time.sleep(SETTLE_INTERVAL)
        self._delete_server(server)
        self.fail('the API accepted the boot (server %s, status %s)' % (
            server['id'], server.get('status')))

    def guest_maxphysaddr(self, server: dict[str, Any]) -> tuple[Any, Any]:
        """``(mode, bits)`` of the guest XML Nova's driver wrote."""
        cpu = self.guest_configs[server['id']].cpu
        element = getattr(cpu, 'maxphysaddr', None)
        if element is None:
            return None, None
        return element.mode, element.bits
