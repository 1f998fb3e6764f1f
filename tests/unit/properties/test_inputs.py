"""Property tests: every extra spec / image property value gets one verdict.

Whatever a user types, the API validator and the image property field agree:
both accept it with the same typed value, or both reject it with our own
exception naming the key.  Whole flavor/image combinations either resolve to a
request QEMU can start, or are refused with one of our defined errors.
"""

import string
import unittest

from hypothesis import given
from hypothesis import strategies as st

from nova.api.validation.extra_specs import validators
from nova import exception
from nova import objects
from nova.objects import fields
from nova.virt import hardware

from tests import properties  # noqa: F401  (loads the hypothesis profile)

objects.register_all()

# QEMU's phys-bits range on x86_64, written here independently of the code
# so that a mutated bound in the code makes these tests fail.
MIN, MAX = 32, 52

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.text(max_size=12))
# Strings close to valid ones: digits with noise around or inside them.
near_numbers = st.builds(
    lambda pre, num, post: pre + str(num) + post,
    st.sampled_from(['', ' ', '+', '-', '0', '\t', '\uff10', '0x']),
    st.integers(min_value=-5, max_value=70),
    st.sampled_from(['', ' ', '.0', '_0', 'e1', '\n', 'L', '\u0660']))
bits_values = st.one_of(json_scalars, near_numbers,
                        st.integers(min_value=MIN - 3, max_value=MAX + 3),
                        st.lists(st.integers(), max_size=2))
mode_values = st.one_of(
    json_scalars, st.sampled_from(list(fields.MaxPhysAddrMode.ALL)),
    st.builds(lambda m, f: f(m), st.sampled_from(
        list(fields.MaxPhysAddrMode.ALL)),
        st.sampled_from([str.upper, str.title, lambda s: ' ' + s,
                         lambda s: s + '\n', lambda s: s[:-1]])))


def expected_bits(value):
    """The one definition of a valid bits value, written independently."""
    if type(value) is int:
        number = value
    elif (isinstance(value, str) and value and
          all(c in string.digits for c in value) and
          (value == '0' or value[0] != '0')):
        number = int(value)
    else:
        return None
    return number if MIN <= number <= MAX else None


def verdict(func, *args):
    try:
        return 'ok', func(*args)
    except (exception.ValidationError, exception.InvalidImageProperty) as e:
        return 'rejected', str(e)


class ValueVerdictTest(unittest.TestCase):

    @given(bits_values)
    def test_bits_api_and_image_agree_with_the_definition(self, value):
        api = verdict(validators.parse, 'hw:maxphysaddr_bits', value)
        image = verdict(objects.ImageMetaProps.from_dict,
                        {'hw_maxphysaddr_bits': value})
        want = expected_bits(value)
        if want is None:
            self.assertEqual('rejected', api[0])
            self.assertEqual('rejected', image[0])
            self.assertIn('hw:maxphysaddr_bits=', api[1])
            self.assertIn('hw_maxphysaddr_bits=', image[1])
            self.assertIn('from %d to %d' % (MIN, MAX), api[1])
            self.assertIn('from %d to %d' % (MIN, MAX), image[1])
        else:
            self.assertEqual(('ok', want), api)
            self.assertEqual(want, image[1].hw_maxphysaddr_bits)

    @given(mode_values)
    def test_mode_api_and_image_agree(self, value):
        api = verdict(validators.parse, 'hw:maxphysaddr_mode', value)
        image = verdict(objects.ImageMetaProps.from_dict,
                        {'hw_maxphysaddr_mode': value})
        if value in fields.MaxPhysAddrMode.ALL and isinstance(value, str):
            self.assertEqual(('ok', value), api)
            self.assertEqual(value, image[1].hw_maxphysaddr_mode)
        else:
            self.assertEqual('rejected', api[0])
            self.assertEqual('rejected', image[0])
            self.assertIn('hw:maxphysaddr_mode=', api[1])
            self.assertIn('hw_maxphysaddr_mode=', image[1])


# Each source either leaves a key out or sets it (to a valid or junk value).
ABSENT = object()
flavor_bits = st.one_of(st.just(ABSENT), st.integers(MIN - 2, MAX + 2).map(
    str), bits_values.filter(lambda v: not isinstance(v, (list, dict))))
image_bits = st.one_of(st.just(ABSENT), st.integers(MIN - 2, MAX + 2),
                       bits_values)
modes = st.one_of(st.just(ABSENT), st.sampled_from(
    list(fields.MaxPhysAddrMode.ALL)), mode_values)
memory_mb = st.one_of(st.integers(0, 8 * 1024 ** 3),
                      st.sampled_from([2816, 1012 * 1024, 1536 * 1024]))

KEYS = ('hw:maxphysaddr_mode', 'hw:maxphysaddr_bits',
        'hw_maxphysaddr_mode', 'hw_maxphysaddr_bits')


def _set(target, key, value):
    if value is not ABSENT:
        target[key] = value


class CombinationTest(unittest.TestCase):

    @given(memory_mb, modes, flavor_bits, modes, image_bits)
    def test_resolver_result_is_startable_or_refused_by_us(
            self, ram, f_mode, f_bits, i_mode, i_bits):
        specs, props = {}, {}
        _set(specs, 'hw:maxphysaddr_mode', f_mode)
        _set(specs, 'hw:maxphysaddr_bits', f_bits)
        _set(props, 'hw_maxphysaddr_mode', i_mode)
        _set(props, 'hw_maxphysaddr_bits', i_bits)
        try:
            flavor = objects.Flavor(memory_mb=ram, vcpus=1, extra_specs=specs)
            image = objects.ImageMeta.from_dict({'properties': props})
            request = hardware.get_maxphysaddr_request(flavor, image)
        except exception.Invalid as exc:
            self.assertTrue(any(k in str(exc) for k in KEYS) or
                            'MiB of RAM' in str(exc), str(exc))
            return
        if request is None:
            self.assertFalse({'hw:maxphysaddr_mode', 'hw:maxphysaddr_bits'}
                             & specs.keys())
            self.assertFalse(props)
        elif request.is_passthrough:
            self.assertIsNone(request.bits)
        else:
            self.assertTrue(MIN <= request.bits <= MAX)
            self.assertTrue(hardware.maxphysaddr_bits_fit(ram, request.bits))

    @given(st.integers(0, 2 ** 40), st.booleans())
    def test_min_bits_is_the_smallest_from_which_all_fit(self, ram, amd):
        bits = hardware.get_min_maxphysaddr_bits(ram, amd)
        for b in range(bits, min(bits + 3, 64)):
            self.assertTrue(hardware.maxphysaddr_bits_fit(ram, b, amd))
        if bits - 1 > MIN:
            self.assertFalse(hardware.maxphysaddr_bits_fit(ram, bits - 1,
                                                           amd))
        # The AMD layout never needs less than the Intel one.
        self.assertGreaterEqual(hardware.get_min_maxphysaddr_bits(ram),
                                hardware.get_min_maxphysaddr_bits(ram, False))
