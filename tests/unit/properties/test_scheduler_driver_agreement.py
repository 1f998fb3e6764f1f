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

"""Property test: the scheduler never picks a host that the driver refuses.

For a random boot request and a random compute host (fake libvirt with
random capabilities, versions, architecture and ``[libvirt]`` CPU mode),
the host is "picked" when its traits hold the request's required traits
(what Placement matches) and both filters pass its compute node record.
Then:

* picked -> the driver's spawn on that host succeeds (its own checks and
  the fake libvirt's, which applies libvirt's maxphysaddr rules), and the
  domain XML is valid for libvirt's schema and carries the request;
* the driver would accept it and the host can run the image's
  architecture -> picked (the scheduler is not stricter than the driver);
* a request refused before scheduling is refused by the driver too, with
  the same error class.

Moves are held to the same standard: a live migration check passes exactly
when spawn on the destination would, plus, for passthrough, equal widths.
"""

import uuid

from hypothesis import given
from hypothesis import strategies as st

from nova import exception
from nova import objects
from nova.scheduler import filter_handler
from nova.scheduler import host_manager
from nova.scheduler import utils

from tests import base
from tests import fakelibvirt
from tests import fakes
from tests import properties  # noqa: F401  (loads the hypothesis profile)
from tests import schemas
from tests.unit.properties import hosts

objects.register_all()

ABSENT = object()
INSTANCE_UUID = str(uuid.UUID(int=42))

# --- compute hosts --------------------------------------------------------

CPU_MODES = {
    # virt_type -> [libvirt] options that start (init_host accepts them)
    'kvm': [{}, {'cpu_mode': 'host-model'},
            {'cpu_mode': 'host-passthrough'}, {'cpu_mode': 'maximum'},
            {'cpu_mode': 'none'},
            {'cpu_mode': 'custom', 'cpu_models': ['Skylake-Client']}],
    'qemu': [{}, {'cpu_mode': 'host-model'}, {'cpu_mode': 'maximum'},
             {'cpu_mode': 'none'},
             {'cpu_mode': 'custom', 'cpu_models': ['qemu64']}],
}


@st.composite
def host_params(draw):
    """What makes a compute host, as plain values (see :func:`make_host`)."""
    virt_type = draw(st.sampled_from(sorted(CPU_MODES)))
    return {
        # Mostly hosts that can honour some request, so that the request
        # generator's near misses meet a host they nearly fit.
        'arch': draw(st.sampled_from(['x86_64'] * 4 + ['i686', 'aarch64'])),
        'bits': draw(st.one_of(st.none(), st.integers(32, 52),
                               st.integers(32, 52),
                               st.sampled_from([39, 46, 48]))),
        # libvirt 9.5's passthrough form: a limit, no bits.
        'limit_only': draw(st.integers(0, 4)) == 0,
        'guest_arches': tuple(draw(st.lists(
            st.sampled_from(['x86_64', 'i686', 'aarch64']), min_size=1,
            max_size=3, unique=True))),
        'domain_types': tuple(draw(st.lists(
            st.sampled_from(['qemu', 'kvm']), min_size=1, max_size=2,
            unique=True))),
        'libversion': draw(st.sampled_from(
            [8000000, 8006999, hosts.LIBVIRT_8_7, 8010000] +
            [hosts.LIBVIRT_9_0, 10005000] * 2)),
        'hv_version': draw(st.sampled_from(
            [2006999, hosts.QEMU_2_7, 6002000, 7002000])),
        'hv_type': draw(st.sampled_from(['QEMU'] * 5 + ['TEST'])),
        'flags': dict(draw(st.sampled_from(CPU_MODES[virt_type])),
                      virt_type=virt_type),
    }


def make_host(params):
    """(fake connection settings, [libvirt] options) for ``params``."""
    xml = fakelibvirt.host_capabilities_xml(
        arch=params['arch'], maxphysaddr_bits=params['bits'],
        guest_arches=params['guest_arches'],
        domain_types=params['domain_types'])
    if params['bits'] is not None and params['limit_only']:
        xml = xml.replace("mode='emulate' bits='%d'" % params['bits'],
                          "mode='passthrough' limit='%d'" % params['bits'])
    settings = {key: params[key]
                for key in ('libversion', 'hv_version', 'hv_type')}
    return dict(settings, capabilities=xml), params['flags']


def host_width(params):
    """The width the host reports, or None."""
    return None if params['limit_only'] else params['bits']


# --- boot requests ----------------------------------------------------------

# Mostly valid keys (the properties are about what gets through), with
# some junk to cover the refusals.
modes = st.sampled_from([ABSENT, ABSENT, 'emulate', 'emulate', 'passthrough',
                         'passthrough', 'Emulate', ''])
image_arches = st.sampled_from([ABSENT, ABSENT, 'x86_64', 'i686', 'aarch64',
                                'aarch64'])
# The guest's machine type sets the memory map its width must hold: Nova's
# default (pc), q35, versioned types, and one the width rule does not know.
image_machine_types = st.sampled_from([ABSENT, ABSENT, ABSENT, 'q35', 'pc',
                                       'pc-q35-7.2', 'pc-i440fx-8.2',
                                       'microvm'])


def bits_near(width):
    """Mostly widths around the host's, where an off-by-one shows."""
    anywhere = st.integers(31, 53)
    if width is None:
        return anywhere
    around = st.sampled_from([width - 1, width, width + 1])
    return st.one_of(around, around, around, anywhere)


# Requests of a known shape (valid unless the bits do not fit), and
# requests with each key drawn on its own (mostly refused).
SHAPES = ('flavor emulate', 'image emulate', 'split emulate',
          'flavor passthrough', 'image passthrough', 'none', 'any keys',
          'any keys')


@st.composite
def boot_requests(draw, width=None):
    """(memory_mb, flavor extra specs, image properties); bits are often
    close to ``width``."""
    shape = draw(st.sampled_from(SHAPES))
    bits = draw(bits_near(width))
    specs, props = {}, {}
    if shape == 'flavor emulate':
        specs = {'hw:maxphysaddr_mode': 'emulate',
                 'hw:maxphysaddr_bits': str(bits)}
    elif shape == 'image emulate':
        props = {'hw_maxphysaddr_mode': 'emulate',
                 'hw_maxphysaddr_bits': bits}
    elif shape == 'split emulate':
        specs = {'hw:maxphysaddr_mode': 'emulate'}
        props = {'hw_maxphysaddr_bits': bits}
    elif shape == 'flavor passthrough':
        specs = {'hw:maxphysaddr_mode': 'passthrough'}
    elif shape == 'image passthrough':
        props = {'hw_maxphysaddr_mode': 'passthrough'}
    elif shape == 'any keys':
        flavor_bits = st.one_of(st.just(ABSENT), st.just(str(bits)),
                                st.sampled_from(['4_2', ' 42', None]))
        image_bits = st.one_of(st.just(ABSENT), st.just(bits),
                               st.just('42'))
        for target, key, values in (
                (specs, 'hw:maxphysaddr_mode', modes),
                (specs, 'hw:maxphysaddr_bits', flavor_bits),
                (props, 'hw_maxphysaddr_mode', modes),
                (props, 'hw_maxphysaddr_bits', image_bits)):
            value = draw(values)
            if value is not ABSENT:
                target[key] = value
    arch = draw(image_arches)
    if arch is not ABSENT:
        props['hw_architecture'] = arch
    machine_type = draw(image_machine_types)
    if machine_type is not ABSENT:
        props['hw_machine_type'] = machine_type
    memory_mb = draw(st.sampled_from([512, 2048, 2048, 8192, 1536 * 1024,
                                      4 * fakes.MiB_PER_TiB]))
    return memory_mb, specs, props


@st.composite
def near_misses(draw):
    """A host that can honour widths, and a width request one bit either
    side of its own or equal: where a wrong comparison in the filters or
    the driver shows."""
    params = dict(draw(host_params()), arch='x86_64',
                  bits=draw(st.integers(36, 51)), limit_only=False,
                  libversion=hosts.LIBVIRT_9_0, hv_version=7002000,
                  hv_type='QEMU')
    bits = params['bits'] + draw(st.sampled_from([-1, 0, 1]))
    specs, props = draw(st.sampled_from([
        ({'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': str(bits)},
         {}),
        ({}, {'hw_maxphysaddr_mode': 'emulate', 'hw_maxphysaddr_bits': bits}),
        ({'hw:maxphysaddr_mode': 'emulate'}, {'hw_maxphysaddr_bits': bits}),
    ]))
    return params, (2048, specs, props)


# [libvirt]hw_machine_type: unset (pc on x86), or q35 for x86_64 guests.
HOST_MACHINE_TYPES = [{}, {}, {'hw_machine_type': ['x86_64=q35']}]


@st.composite
def any_scenario(draw):
    params = draw(host_params())
    params['flags'] = dict(params['flags'],
                           **draw(st.sampled_from(HOST_MACHINE_TYPES)))
    return params, draw(boot_requests(host_width(params)))


scenarios = st.one_of(any_scenario(), any_scenario(), near_misses())


@st.composite
def host_pairs(draw):
    """(source, destination): often the same host with another width."""
    source = draw(host_params())
    change = draw(st.sampled_from(['other host', 'width', 'width', 'none']))
    if change == 'other host':
        return source, draw(host_params())
    dest = dict(source)
    if change == 'width' and source['bits'] is not None:
        dest['bits'] = source['bits'] + draw(st.sampled_from([-1, 0, 1]))
    return source, dest


class AgreementTest(base.LibvirtTestCase):

    def picked(self, driver, request, spec):
        """Whether Placement and both filters would choose this host."""
        traits = {t for t, on in driver.capabilities_as_traits().items()
                  if on}
        if not request.all_required_traits <= traits or \
                request.all_forbidden_traits & traits:
            return False
        state = host_manager.HostState('h', 'n')
        state.update(driver.get_available_resource())
        return all(f.host_passes(state, spec)
                   for f in filter_handler.get_filters())

    @given(scenarios)
    def test_scheduler_never_picks_a_host_the_driver_refuses(self, scenario):
        params, (memory_mb, specs, props) = scenario
        flavor = fakes.flavor(memory_mb, vcpus=1, **specs)
        try:
            # As the API builds it (validated).
            image = fakes.image(**props)
        except exception.InvalidImageProperty as exc:
            # The API stops it, naming the property; nothing reaches the
            # scheduler or the driver.
            self.assertTrue(any(' %s=' % key in str(exc) for key in props),
                            str(exc))
            return
        spec = objects.RequestSpec(flavor=flavor, image=image)
        instance = fakes.instance('instance-1', INSTANCE_UUID)
        settings, flags = make_host(params)
        with hosts.libvirt_flags(**flags), hosts.fake_compute(
                **settings) as (driver, conn):
            driver.init_host('h')
            try:
                request = utils.ResourceRequest.from_request_spec(spec)
            except exception.Invalid as exc:
                # Refused before scheduling: the driver agrees.
                with self.assertRaises(type(exc)):
                    driver.spawn(instance, image, flavor)
                self.assertEqual([], conn.defined)
                return
            picked = self.picked(driver, request, spec)
            try:
                driver.spawn(instance, image, flavor)
            except exception.MaxPhysAddrUnsupported as exc:
                self.assertFalse(
                    picked, 'the scheduler picked a host the driver '
                    'refuses: %s' % exc)
                self.assertEqual([], conn.defined)
                return
        xml = conn.defined[-1]
        schemas.validate_domain_xml(xml)
        wanted = request.maxphysaddr
        self.assertEqual(
            None if wanted is None else dict(
                {'mode': wanted.mode},
                **({} if wanted.bits is None else {'bits': str(wanted.bits)})),
            fakes.maxphysaddr_of(xml))
        image_arch = props.get('hw_architecture')
        if image_arch is None or image_arch in params['guest_arches']:
            self.assertTrue(picked, 'the driver accepts %s on a host the '
                            'scheduler does not pick' % (wanted,))


class LiveMigrationAgreementTest(base.LibvirtTestCase):

    @given(host_pairs(), st.one_of(
        # 33: the smallest width the resolver takes for 2 GiB of RAM on
        # Nova's default machine type (pc).
        st.integers(33, 52).map(lambda b: {'hw:maxphysaddr_mode': 'emulate',
                                           'hw:maxphysaddr_bits': str(b)}),
        st.just({'hw:maxphysaddr_mode': 'passthrough'}), st.just({})))
    def test_live_migration_allowed_iff_spawn_would_be_and_width_kept(
            self, pair, specs):
        source, dest = pair
        flavor = fakes.flavor(2048, vcpus=1, **specs)
        instance = fakes.instance('instance-1', INSTANCE_UUID, flavor)
        settings, flags = make_host(source)
        with hosts.libvirt_flags(**flags), hosts.fake_compute(
                **settings) as (driver, conn):
            try:
                driver.spawn(instance, None, flavor)
            except exception.MaxPhysAddrUnsupported:
                return
            record = driver.get_available_resource()
        settings, flags = make_host(dest)
        with hosts.libvirt_flags(**flags), hosts.fake_compute(
                **settings) as (driver, conn):
            try:
                driver.check_can_live_migrate_destination(instance, None,
                                                          record)
                allowed = True
            except exception.MaxPhysAddrMigrationError:
                allowed = False
            try:
                driver.spawn(instance, None, flavor)
                spawns = True
            except exception.MaxPhysAddrUnsupported:
                spawns = False

        expected = spawns
        if specs.get('hw:maxphysaddr_mode') == 'passthrough':
            expected = spawns and host_width(source) is not None and \
                host_width(source) == host_width(dest)
        self.assertEqual(expected, allowed)
