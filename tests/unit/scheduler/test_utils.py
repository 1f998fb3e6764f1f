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

"""ResourceRequest: resources, traits, the Placement query."""

import types
import unittest
from unittest import mock
from urllib import parse

from nova_maxphysaddr.rules import sizing
from nova_maxphysaddr.rules import values
import os_traits

from nova import exception
from nova import objects
from nova.api.validation.extra_specs import traits as trait_specs
from nova.scheduler import utils
from nova.virt import hardware

from tests import base
from tests import fakes

EMULATED = 'COMPUTE_ADDRESS_SPACE_EMULATED'
PASSTHROUGH = 'COMPUTE_ADDRESS_SPACE_PASSTHROUGH'
BASE_QUERY = 'resources=DISK_GB:1,MEMORY_MB:2048,VCPU:2'


def from_spec(spec):
    return utils.ResourceRequest.from_request_spec(spec)


class TraitNamesTest(unittest.TestCase):

    def test_mode_traits_are_the_os_traits_names(self):
        # Pinned by literal here so a renamed constant fails the test.
        self.assertEqual(EMULATED, os_traits.COMPUTE_ADDRESS_SPACE_EMULATED)
        self.assertEqual(PASSTHROUGH,
                         os_traits.COMPUTE_ADDRESS_SPACE_PASSTHROUGH)
        self.assertEqual({'emulate': EMULATED, 'passthrough': PASSTHROUGH},
                         values.MODE_TRAITS)


class ResourcesTest(unittest.TestCase):

    def test_flavor_resources(self):
        req = from_spec(fakes.spec())
        self.assertEqual({'VCPU': 2, 'MEMORY_MB': 2048, 'DISK_GB': 1},
                         req.get_request_group().resources)
        self.assertEqual(BASE_QUERY + '&limit=1000', req.to_querystring())
        self.assertEqual(set(), req.all_required_traits)
        self.assertEqual(set(), req.all_forbidden_traits)
        self.assertIsNone(req.maxphysaddr)

    def test_disk_counts_ephemeral_and_swap_rounded_up(self):
        spec = fakes.spec(root_gb=10)
        spec.flavor.ephemeral_gb = 5
        spec.flavor.swap = 1025  # MiB: 2 GiB once rounded up
        self.assertEqual(
            17, from_spec(spec).get_request_group('').resources['DISK_GB'])

    def test_zero_amounts_are_left_out(self):
        # Placement refuses zero amounts in 'resources'.
        req = from_spec(fakes.spec(root_gb=0))
        self.assertEqual({'VCPU': 2, 'MEMORY_MB': 2048},
                         req.get_request_group('').resources)
        self.assertEqual('resources=MEMORY_MB:2048,VCPU:2',
                         req.to_querystring(limit=None))

    def test_limit(self):
        req = from_spec(fakes.spec())
        self.assertEqual(BASE_QUERY + '&limit=5', req.to_querystring(5))
        self.assertEqual(BASE_QUERY, req.to_querystring(None))

    def test_one_unsuffixed_group(self):
        req = from_spec(fakes.flavor_bits(
            42, **{'trait:CUSTOM_GOLD': 'forbidden'}))
        group = req.get_request_group('')
        self.assertIs(group, req.get_request_group())
        self.assertEqual('', group.suffix)
        # No other group: no suffixed one exists, and the unsuffixed group
        # alone makes the whole query and holds every trait.
        self.assertRaises(KeyError, req.get_request_group, '1')
        self.assertEqual(
            parse.urlencode(group.to_queryparams(), safe=':,!'),
            req.to_querystring(None))
        self.assertEqual(group.required_traits, req.all_required_traits)
        self.assertEqual(group.forbidden_traits, req.all_forbidden_traits)


class MaxPhysAddrTraitTest(unittest.TestCase):
    """Every source of the mode gives the same required trait."""

    def assertTraits(self, spec, trait, query_required):
        req = from_spec(spec)
        self.assertEqual({trait}, req.all_required_traits)
        self.assertEqual({trait}, req.get_request_group().required_traits)
        self.assertEqual(
            BASE_QUERY + '&required=%s&limit=1000' % query_required,
            req.to_querystring())
        return req

    def test_emulate_from_flavor(self):
        req = self.assertTraits(fakes.flavor_bits(42), EMULATED, EMULATED)
        self.assertEqual(hardware.MaxPhysAddrRequest('emulate', 42),
                         req.maxphysaddr)

    def test_emulate_from_image(self):
        self.assertTraits(fakes.image_bits(42), EMULATED, EMULATED)

    def test_emulate_from_flavor_and_image_agreeing(self):
        spec = fakes.spec(
            {'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': '42'},
            {'hw_maxphysaddr_mode': 'emulate', 'hw_maxphysaddr_bits': 42})
        self.assertTraits(spec, EMULATED, EMULATED)

    def test_emulate_mode_and_bits_from_different_sources(self):
        spec = fakes.spec({'hw:maxphysaddr_mode': 'emulate'},
                          {'hw_maxphysaddr_bits': 42})
        self.assertTraits(spec, EMULATED, EMULATED)

    def test_passthrough_from_flavor(self):
        req = self.assertTraits(
            fakes.spec({'hw:maxphysaddr_mode': 'passthrough'}),
            PASSTHROUGH, PASSTHROUGH)
        self.assertEqual(hardware.MaxPhysAddrRequest('passthrough'),
                         req.maxphysaddr)

    def test_passthrough_from_image(self):
        self.assertTraits(
            fakes.spec(image_props={'hw_maxphysaddr_mode': 'passthrough'}),
            PASSTHROUGH, PASSTHROUGH)

    def test_passthrough_from_flavor_and_image_agreeing(self):
        self.assertTraits(
            fakes.spec({'hw:maxphysaddr_mode': 'passthrough'},
                       {'hw_maxphysaddr_mode': 'passthrough'}),
            PASSTHROUGH, PASSTHROUGH)

    def test_with_flavor_traits(self):
        spec = fakes.flavor_bits(42, **{
            'trait:HW_CPU_X86_AVX2': 'required',
            'trait:CUSTOM_GOLD': 'forbidden',
            'trait:COMPUTE_ADDRESS_SPACE_PASSTHROUGH': 'required'})
        req = from_spec(spec)
        self.assertEqual({EMULATED, PASSTHROUGH, 'HW_CPU_X86_AVX2'},
                         req.all_required_traits)
        self.assertEqual({'CUSTOM_GOLD'}, req.all_forbidden_traits)
        self.assertEqual(
            BASE_QUERY + '&required=COMPUTE_ADDRESS_SPACE_EMULATED,'
            'COMPUTE_ADDRESS_SPACE_PASSTHROUGH,HW_CPU_X86_AVX2,!CUSTOM_GOLD'
            '&limit=1000', req.to_querystring())

    def test_required_by_flavor_and_by_mode_is_listed_once(self):
        req = from_spec(fakes.flavor_bits(
            42, **{'trait:COMPUTE_ADDRESS_SPACE_EMULATED': 'required'}))
        self.assertEqual(BASE_QUERY + '&required=%s' % EMULATED,
                         req.to_querystring(None))


class InvalidRequestTest(unittest.TestCase):
    """Every invalid combination raises the resolver's own error here."""

    def assertSameErrorAsResolver(self, spec, exc_class):
        with self.assertRaises(exc_class) as expected:
            hardware.get_maxphysaddr_request(spec.flavor, spec.image)
        with self.assertRaises(exc_class) as ctx:
            from_spec(spec)
        self.assertEqual(str(expected.exception), str(ctx.exception))
        return ctx.exception

    def test_emulate_without_bits(self):
        exc = self.assertSameErrorAsResolver(
            fakes.spec({'hw:maxphysaddr_mode': 'emulate'}),
            exception.InvalidMaxPhysAddrRequest)
        self.assertEqual(
            'Invalid maxphysaddr request: hw:maxphysaddr_mode=emulate needs '
            'the width: set hw:maxphysaddr_bits (flavor) or '
            'hw_maxphysaddr_bits (image) to a decimal integer from 32 to 52',
            str(exc))
        self.assertSameErrorAsResolver(
            fakes.spec(image_props={'hw_maxphysaddr_mode': 'emulate'}),
            exception.InvalidMaxPhysAddrRequest)

    def test_passthrough_with_bits(self):
        for spec in (
                fakes.spec({'hw:maxphysaddr_mode': 'passthrough',
                            'hw:maxphysaddr_bits': '42'}),
                fakes.spec({'hw:maxphysaddr_mode': 'passthrough'},
                           {'hw_maxphysaddr_bits': 42}),
                fakes.spec(image_props={'hw_maxphysaddr_mode': 'passthrough',
                                        'hw_maxphysaddr_bits': 42})):
            exc = self.assertSameErrorAsResolver(
                spec, exception.InvalidMaxPhysAddrRequest)
            self.assertIn('passthrough', str(exc))
            self.assertIn('takes no bits', str(exc))

    def test_bits_without_mode(self):
        for spec in (fakes.spec({'hw:maxphysaddr_bits': '42'}),
                     fakes.spec(image_props={'hw_maxphysaddr_bits': 42})):
            exc = self.assertSameErrorAsResolver(
                spec, exception.InvalidMaxPhysAddrRequest)
            self.assertIn('no maxphysaddr mode is', str(exc))

    def test_flavor_and_image_conflict(self):
        exc = self.assertSameErrorAsResolver(
            fakes.spec({'hw:maxphysaddr_mode': 'emulate',
                        'hw:maxphysaddr_bits': '42'},
                       {'hw_maxphysaddr_mode': 'passthrough'}),
            exception.FlavorImageConflict)
        self.assertEqual(
            "Conflicting maxphysaddr mode request: the flavor sets "
            "hw:maxphysaddr_mode='emulate' but the image sets "
            "hw_maxphysaddr_mode='passthrough'. Set it in one of them, or "
            "set the same value in both.", str(exc))
        self.assertSameErrorAsResolver(
            fakes.spec({'hw:maxphysaddr_mode': 'emulate',
                        'hw:maxphysaddr_bits': '42'},
                       {'hw_maxphysaddr_bits': 44}),
            exception.FlavorImageConflict)

    def test_bits_too_small_for_ram(self):
        spec = fakes.flavor_bits(40)
        spec.flavor.memory_mb = 1536 * 1024
        exc = self.assertSameErrorAsResolver(
            spec, exception.MaxPhysAddrBitsTooSmall)
        self.assertIn('needs at least 42 physical address bits', str(exc))

    def test_bad_flavor_values(self):
        for bits in fakes.BAD_BITS:
            if not isinstance(bits, str):
                continue  # extra specs are strings (the Flavor field's type)
            with self.subTest(bits=bits):
                spec = fakes.spec({'hw:maxphysaddr_mode': 'emulate',
                                   'hw:maxphysaddr_bits': bits})
                exc = self.assertSameErrorAsResolver(
                    spec, exception.ValidationError)
                self.assertIn('hw:maxphysaddr_bits=%r' % bits, str(exc))
        for mode in fakes.BAD_MODES:
            if not isinstance(mode, str):
                continue
            with self.subTest(mode=mode):
                exc = self.assertSameErrorAsResolver(
                    fakes.spec({'hw:maxphysaddr_mode': mode}),
                    exception.ValidationError)
                self.assertIn('hw:maxphysaddr_mode=%r' % mode, str(exc))

    def test_null_extra_spec(self):
        self.assertSameErrorAsResolver(
            fakes.spec({'hw:maxphysaddr_mode': None}),
            exception.ValidationError)

    def test_mode_trait_forbidden_by_flavor(self):
        spec = fakes.flavor_bits(
            42, **{'trait:COMPUTE_ADDRESS_SPACE_EMULATED': 'forbidden'})
        with self.assertRaises(exception.InvalidMaxPhysAddrRequest) as ctx:
            from_spec(spec)
        self.assertEqual(
            'Invalid maxphysaddr request: hw:maxphysaddr_mode=emulate needs '
            'a host with trait COMPUTE_ADDRESS_SPACE_EMULATED, but the '
            'flavor forbids it (trait:COMPUTE_ADDRESS_SPACE_EMULATED='
            'forbidden)', str(ctx.exception))
        # The resolver's own verdict: the API and the filters give it too.
        self.assertSameErrorAsResolver(spec,
                                       exception.InvalidMaxPhysAddrRequest)
        # Forbidding the other mode's trait is a valid request.
        spec = fakes.flavor_bits(
            42, **{'trait:COMPUTE_ADDRESS_SPACE_PASSTHROUGH': 'forbidden'})
        self.assertEqual({PASSTHROUGH}, from_spec(spec).all_forbidden_traits)


class TraitExtraSpecTest(unittest.TestCase):

    def assertInvalid(self, key, value, message):
        with self.assertRaises(exception.ValidationError) as ctx:
            from_spec(fakes.spec({key: value}))
        self.assertEqual(message, str(ctx.exception))

    def test_required_and_forbidden(self):
        req = from_spec(fakes.spec({'trait:HW_CPU_X86_AVX2': 'required',
                                    'trait:CUSTOM_SLOW': 'forbidden'}))
        self.assertEqual({'HW_CPU_X86_AVX2'}, req.all_required_traits)
        self.assertEqual({'CUSTOM_SLOW'}, req.all_forbidden_traits)
        self.assertEqual(BASE_QUERY + '&required=HW_CPU_X86_AVX2,!CUSTOM_SLOW',
                         req.to_querystring(None))

    def test_bad_value(self):
        for value in ('Required', 'yes', '', 'required '):
            with self.subTest(value=value):
                self.assertInvalid(
                    'trait:HW_CPU_X86_AVX2', value,
                    "Invalid extra spec trait:HW_CPU_X86_AVX2=%r: must be "
                    "one of 'required', 'forbidden' (exact, lower case)"
                    % value)

    def test_unknown_trait(self):
        self.assertInvalid(
            'trait:HW_CPU_X86_AVX3', 'required',
            "Invalid extra spec trait:HW_CPU_X86_AVX3='required': "
            "HW_CPU_X86_AVX3 is neither a standard trait (os-traits %s) nor "
            "a custom one (CUSTOM_*)" % trait_specs.OS_TRAITS_VERSION)
        self.assertInvalid(
            'trait:CUSTOM_', 'required',
            "Invalid extra spec trait:CUSTOM_='required': CUSTOM_ is neither "
            "a standard trait (os-traits %s) nor a custom one (CUSTOM_*)"
            % trait_specs.OS_TRAITS_VERSION)

    def test_malformed_trait_name(self):
        for key in ('trait:hw_cpu_x86_avx2', 'trait:', 'trait:A-B'):
            with self.subTest(key=key):
                self.assertInvalid(
                    key, 'required',
                    "Invalid extra spec %s='required': not a trait name; "
                    "trait names match [A-Z0-9_]{1,255}" % key)

    def test_other_namespaces_are_not_traits(self):
        req = from_spec(fakes.spec({'traits:X': 'required',
                                    'capabilities:cpu_info:arch': 'x86_64'}))
        self.assertEqual(set(), req.all_required_traits)


class NeedsMemoTest(base.ConfTestCase):
    """from_request_spec keeps traits and request per distinct input, and
    a changed input (even in place) always gives a new answer."""

    def setUp(self):
        super().setUp()
        self.flags()
        utils._memo.clear()
        self.addCleanup(utils._memo.clear)
        resolver = mock.patch.object(
            hardware, 'get_maxphysaddr_request',
            wraps=hardware.get_maxphysaddr_request)
        self.resolver = resolver.start()
        self.addCleanup(resolver.stop)

    def test_same_content_other_objects_resolved_once(self):
        for _ in range(3):
            req = from_spec(fakes.spec(
                {'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': '42',
                 'trait:CUSTOM_GOLD': 'required'}))
            self.assertEqual({EMULATED, 'CUSTOM_GOLD'},
                             req.all_required_traits)
            self.assertEqual(hardware.MaxPhysAddrRequest('emulate', 42),
                             req.maxphysaddr)
        self.assertEqual(1, self.resolver.call_count)
        for _ in range(2):
            self.assertIsNone(from_spec(fakes.spec()).maxphysaddr)
        self.assertEqual(2, self.resolver.call_count)

    def test_each_request_gets_its_own_trait_sets(self):
        first = from_spec(fakes.flavor_bits(42))
        first.get_request_group().required_traits.add('CUSTOM_MINE')
        first.get_request_group().forbidden_traits.add('CUSTOM_NOT')
        second = from_spec(fakes.flavor_bits(42))
        self.assertEqual({EMULATED}, second.all_required_traits)
        self.assertEqual(set(), second.all_forbidden_traits)

    def test_extra_specs_changed_in_place(self):
        spec = fakes.flavor_bits(42)
        self.assertEqual(42, from_spec(spec).maxphysaddr.bits)
        spec.flavor.extra_specs['hw:maxphysaddr_bits'] = '44'
        self.assertEqual(44, from_spec(spec).maxphysaddr.bits)
        spec.flavor.extra_specs['trait:CUSTOM_GOLD'] = 'forbidden'
        self.assertEqual({'CUSTOM_GOLD'}, from_spec(spec).all_forbidden_traits)
        del spec.flavor.extra_specs['hw:maxphysaddr_mode']
        with self.assertRaises(exception.InvalidMaxPhysAddrRequest):
            from_spec(spec)
        spec.flavor.extra_specs = {}
        self.assertEqual(set(), from_spec(spec).all_required_traits)

    def test_ram_changed_in_place(self):
        spec = fakes.flavor_bits(40)
        self.assertEqual(40, from_spec(spec).maxphysaddr.bits)
        spec.flavor.memory_mb = fakes.LARGE_MB
        with self.assertRaises(exception.MaxPhysAddrBitsTooSmall):
            from_spec(spec)

    def test_image_changed_in_place(self):
        spec = fakes.image_bits(42)
        self.assertEqual(42, from_spec(spec).maxphysaddr.bits)
        spec.image.properties.hw_maxphysaddr_bits = 46
        self.assertEqual(46, from_spec(spec).maxphysaddr.bits)
        spec.image.properties.hw_architecture = 'aarch64'
        with self.assertRaises(exception.InvalidMaxPhysAddrRequest):
            from_spec(spec)
        spec.image.properties = objects.ImageMetaProps()
        self.assertIsNone(from_spec(spec).maxphysaddr)
        spec.image = fakes.image(hw_maxphysaddr_mode='passthrough')
        self.assertEqual('passthrough', from_spec(spec).maxphysaddr.mode)

    def test_machine_type_option_changed(self):
        # The smallest width that holds a 1 TiB guest's pc memory map, too
        # small for q35's larger 64-bit PCI window.
        memory_mb = fakes.MiB_PER_TiB
        bits = sizing.min_bits(sizing.GuestLayout(memory_mb, 'pc'))
        self.assertLess(bits, sizing.min_bits(
            sizing.GuestLayout(memory_mb, 'q35')))
        spec = fakes.spec({'hw:maxphysaddr_mode': 'emulate',
                           'hw:maxphysaddr_bits': str(bits)},
                          memory_mb=memory_mb)
        self.assertEqual(bits, from_spec(spec).maxphysaddr.bits)
        self.flags(hw_machine_type=['x86_64=q35'])
        with self.assertRaises(exception.MaxPhysAddrBitsTooSmall):
            from_spec(spec)
        self.flags()
        self.assertEqual(bits, from_spec(spec).maxphysaddr.bits)
        self.flags(hw_machine_type=[])
        self.assertEqual(bits, from_spec(spec).maxphysaddr.bits)

    def test_refusals_are_not_kept(self):
        spec = fakes.spec({'hw:maxphysaddr_mode': 'emulate'})
        for _ in range(2):
            with self.assertRaises(exception.InvalidMaxPhysAddrRequest):
                from_spec(spec)
        self.assertEqual(2, self.resolver.call_count)
        spec = fakes.flavor_bits(42, **{'trait:CUSTOM_': 'required'})
        for _ in range(2):
            with self.assertRaises(exception.ValidationError):
                from_spec(spec)
        self.assertEqual({}, utils._memo)

    def test_bounded(self):
        for cores in range(utils.NEEDS_MEMO_SIZE + 10):
            from_spec(fakes.flavor_bits(42, **{'hw:cpu_cores': str(cores)}))
        self.assertLessEqual(len(utils._memo), utils.NEEDS_MEMO_SIZE)
        self.assertEqual(42, from_spec(fakes.flavor_bits(42)).maxphysaddr.bits)

    def test_objects_it_cannot_key_are_resolved_every_time(self):
        flavor = types.SimpleNamespace(
            memory_mb=2048, vcpus=2, root_gb=1, ephemeral_gb=0, swap=0,
            extra_specs={'hw:maxphysaddr_mode': 'emulate',
                         'hw:maxphysaddr_bits': '42'})
        spec = types.SimpleNamespace(flavor=flavor, image=None)
        for _ in range(2):
            req = from_spec(spec)
            self.assertEqual(BASE_QUERY + '&required=' + EMULATED,
                             req.to_querystring(None))
        self.assertEqual(2, self.resolver.call_count)
        self.assertEqual({}, utils._memo)

    def test_a_spec_without_image(self):
        # As before the memo: the traits are checked first, then reading
        # the image fails (an unset field cannot be lazy-loaded).
        spec = objects.RequestSpec(flavor=fakes.emulate(42))
        delattr(spec, 'image')
        for _ in range(2):
            self.assertRaises(NotImplementedError, from_spec, spec)
        spec.flavor.extra_specs['trait:CUSTOM_'] = 'required'
        self.assertRaises(exception.ValidationError, from_spec, spec)
        self.assertEqual({}, utils._memo)

    def test_the_key_holds_everything_the_resolver_reads(self):
        # Run the resolver on objects that record what is read of them:
        # the flavor's extra specs and RAM, the image's properties (all of
        # them are in the key) and nothing else.
        read = set()

        class Recording:
            def __init__(self, obj):
                self._obj = obj

            def __getattr__(self, name):
                read.add(name)
                return getattr(self._obj, name)

        for spec in (fakes.flavor_bits(42), fakes.image_bits(42),
                     fakes.spec({'hw:maxphysaddr_mode': 'passthrough'},
                                {'hw_architecture': 'x86_64'}),
                     fakes.spec()):
            hardware.get_maxphysaddr_request(Recording(spec.flavor),
                                             spec.image)
        self.assertEqual({'extra_specs', 'memory_mb'}, read)
