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

"""Property tests: every extra spec / image property value gets one verdict.

Whatever a user types, the API validator and the image property field agree:
both accept it with the same typed value, or both reject it with our own
exception naming the key.  The width rule's minimum is the smallest width
from which every larger one fits, for each machine type.
"""

import string
import unittest

from hypothesis import given
from hypothesis import strategies as st
from nova_maxphysaddr.rules import sizing

from nova.api.validation.extra_specs import validators
from nova import exception
from nova import objects
from nova.objects import fields

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
        api = verdict(validators.get_validator('hw:maxphysaddr_bits').parse,
                      value)
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
        api = verdict(validators.get_validator('hw:maxphysaddr_mode').parse,
                      value)
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


# Machine types as an image or [libvirt]hw_machine_type names them, and None:
# unknown where the rule runs (every family's map, the largest counts).
MACHINE_TYPES = ('q35', 'pc', 'pc-q35-7.2', 'pc-i440fx-8.2', None)
# The smallest width of each family, for guests whose RAM is all below
# 4 GiB (QEMU 7.2 and 10.0.2): 4 GiB plus the 64-bit PCI window.
SMALLEST = {'q35': 36, 'pc': 33}


class CombinationTest(unittest.TestCase):

    @given(st.integers(0, 2 ** 40), st.booleans(),
           st.sampled_from(MACHINE_TYPES))
    def test_min_bits_is_the_smallest_from_which_all_fit(self, ram, amd,
                                                         machine_type):
        layout = sizing.GuestLayout(ram, machine_type)
        bits = sizing.min_bits(layout, amd_vendor=amd)
        for b in range(bits, min(bits + 3, 64)):
            self.assertTrue(sizing.bits_fit(layout, b, amd))
        # No width below it fits, 32 included (QEMU >= 8.2 checks every
        # 64-bit guest).
        self.assertGreaterEqual(bits - 1, MIN)
        self.assertFalse(sizing.bits_fit(layout, bits - 1, amd))
        self.assertFalse(sizing.bits_fit(layout, MIN, amd))
        # The AMD layout never needs less than the Intel one.
        self.assertGreaterEqual(sizing.min_bits(layout),
                                sizing.min_bits(layout, amd_vendor=False))

    @given(st.integers(0, 2 ** 40), st.booleans())
    def test_unknown_machine_type_needs_the_larger_family(self, ram, amd):
        q35, pc, unknown = (
            sizing.min_bits(sizing.GuestLayout(ram, machine_type), amd)
            for machine_type in ('q35', 'pc', None))
        self.assertEqual(max(q35, pc), unknown)
        self.assertGreaterEqual(q35, SMALLEST['q35'])
        self.assertGreaterEqual(pc, SMALLEST['pc'])
        # A versioned type has the memory map of its family.
        self.assertEqual(q35, sizing.min_bits(
            sizing.GuestLayout(ram, 'pc-q35-7.2'), amd))
        self.assertEqual(pc, sizing.min_bits(
            sizing.GuestLayout(ram, 'pc-i440fx-8.2'), amd))
