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

"""Flavor extra spec validators: every valid value in, every bad one out."""

import unittest

from nova.api.validation.extra_specs import base
from nova.api.validation.extra_specs import validators
from nova import exception

from tests import fakes


class MaxPhysAddrValidatorsTest(unittest.TestCase):

    def test_every_valid_bits_value_is_accepted(self):
        for bits in range(32, 53):
            for value in (str(bits), bits):
                validators.validate('hw:maxphysaddr_bits', value)
                self.assertEqual(
                    bits, validators.get_validator(
                        'hw:maxphysaddr_bits').parse(value))

    def test_bad_bits_values_are_rejected_with_key_value_and_range(self):
        for value in fakes.BAD_BITS:
            with self.subTest(value=value):
                with self.assertRaises(exception.ValidationError) as ctx:
                    validators.validate('hw:maxphysaddr_bits', value)
                msg = str(ctx.exception)
                self.assertIn('hw:maxphysaddr_bits', msg)
                self.assertIn(repr(value)[:20], msg)
                self.assertIn('a decimal integer from 32 to 52', msg)
                self.assertEqual(400, ctx.exception.code)

    def test_modes(self):
        for mode in ('emulate', 'passthrough'):
            validators.validate('hw:maxphysaddr_mode', mode)
        for value in fakes.BAD_MODES:
            with self.subTest(value=value):
                with self.assertRaises(exception.ValidationError) as ctx:
                    validators.validate('hw:maxphysaddr_mode', value)
                self.assertEqual(
                    "Invalid extra spec hw:maxphysaddr_mode=%r: must be one "
                    "of 'emulate', 'passthrough' (exact, lower case)" % (
                        value,), str(ctx.exception))

    def test_huge_digit_strings_are_rejected_without_conversion(self):
        # Python refuses to convert over 4300 digits with ValueError of its
        # own; we must answer with our error, not that one.
        with self.assertRaises(exception.ValidationError):
            validators.validate('hw:maxphysaddr_bits', '4' * 100000)


class RegistryTest(unittest.TestCase):

    def test_unknown_key_in_registered_namespace_is_rejected(self):
        for name, reason in (
                ('hw:maxphysaddr_bit', "unknown key in the 'hw' namespace"),
                ('hw:maxphysaddr', "unknown key in the 'hw' namespace"),
                ('hw:', "unknown key in the 'hw' namespace"),
                ('capabilities:',
                 "unknown key in the 'capabilities' namespace"),
                ('trait:lower_case',
                 'not a trait name; trait names match [A-Z0-9_]{1,255}')):
            with self.subTest(name=name):
                with self.assertRaises(exception.ValidationError) as ctx:
                    validators.validate(name, 'x')
                self.assertEqual("Invalid extra spec %s='x': %s" % (
                    name, reason), str(ctx.exception))

    def test_unknown_namespaces_and_plain_keys_pass(self):
        validators.validate('aggregate_instance_extra_specs:ssd', 'true')
        validators.validate('quota:cpu_shares', '1024')
        validators.validate('no_namespace', 'anything')

    def test_capabilities_the_filter_could_not_use_are_refused(self):
        # Same parser as ComputeCapabilitiesFilter: refused with a 400 here
        # rather than failing every host later.
        for name, value, reason in (
                ('capabilities:cpu_info:maxphysaddr:bits', '>= abc',
                 "'>=' compares numbers, but 'abc' is not one"),
                ('capabilities:cpu_info::bits', '>= 4',
                 "unknown key in the 'capabilities' namespace")):
            with self.subTest(name=name):
                with self.assertRaises(exception.ValidationError) as ctx:
                    validators.validate(name, value)
                self.assertEqual("Invalid extra spec %s=%r: %s" % (
                    name, value, reason), str(ctx.exception))

    def test_traits_placement_would_refuse_are_refused(self):
        # Same verdict as ResourceRequest: Placement answers 400 for them.
        for name in ('trait:FOO_BAR', 'trait:CUSTOM_'):
            with self.subTest(name=name):
                with self.assertRaises(exception.ValidationError) as ctx:
                    validators.validate(name, 'required')
                self.assertIn('is neither a standard trait (os-traits ',
                              str(ctx.exception))

    def test_patterned_keys(self):
        validators.validate('trait:COMPUTE_ADDRESS_SPACE_EMULATED',
                            'required')
        validators.validate('trait:CUSTOM_FOO', 'forbidden')
        with self.assertRaises(exception.ValidationError) as ctx:
            validators.validate('trait:CUSTOM_FOO', 'Required')
        self.assertIn("'required', 'forbidden'", str(ctx.exception))
        validators.validate('capabilities:cpu_info:maxphysaddr:bits', '>= 42')

    def test_validate_all_reports_the_first_bad_key(self):
        validators.validate_all({'hw:maxphysaddr_mode': 'emulate',
                                 'hw:maxphysaddr_bits': '42'})
        with self.assertRaises(exception.ValidationError) as ctx:
            validators.validate_all({'hw:maxphysaddr_mode': 'emulate',
                                     'hw:maxphysaddr_bits': '4_2'})
        self.assertIn("hw:maxphysaddr_bits='4_2'", str(ctx.exception))

    def test_other_hw_validators(self):
        validators.validate('hw:cpu_policy', 'dedicated')
        validators.validate('hw:cpu_sockets', '2')
        validators.validate('hw:pmu', 'False')
        for name, value in (('hw:cpu_sockets', '0'), ('hw:pmu', 'maybe'),
                            ('hw:cpu_policy', 'Dedicated')):
            with self.subTest(name=name):
                with self.assertRaises(exception.ValidationError):
                    validators.validate(name, value)

    def test_machine_type_is_an_unknown_hw_key(self):
        # Nova has no hw:machine_type extra spec: the machine type comes from
        # the image's hw_machine_type or [libvirt]hw_machine_type.
        for value in ('pc-q35-7.2', 'q35', 'pc', 'q35; rm'):
            with self.subTest(value=value):
                with self.assertRaises(exception.ValidationError) as ctx:
                    validators.validate('hw:machine_type', value)
                self.assertEqual(
                    "Invalid extra spec hw:machine_type=%r: unknown key in "
                    "the 'hw' namespace" % value, str(ctx.exception))
                self.assertEqual(400, ctx.exception.code)
        self.assertRaises(exception.ValidationError, validators.validate_all,
                          {'hw:machine_type': 'q35'})

    def test_validator_rejects_unsupported_value_type(self):
        with self.assertRaises(ValueError):
            base.ExtraSpecValidator(name='hw:x', description='',
                                    value={'type': float})

    def test_allowed_is_human_readable(self):
        self.assertEqual(
            'a decimal integer from 32 to 52',
            validators.get_validator('hw:maxphysaddr_bits').allowed())
        self.assertEqual(
            "one of 'emulate', 'passthrough'",
            validators.get_validator('hw:maxphysaddr_mode').allowed())
