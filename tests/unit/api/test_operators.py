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

"""Nova's capabilities operator language."""

import unittest

from nova.api.validation.extra_specs import operators


def matches(value, req):
    return operators.compile_requirement(req)(value)


class OperatorTest(unittest.TestCase):

    def assertTable(self, req, passing, failing):
        for value in passing:
            with self.subTest(req=req, value=value):
                self.assertIs(True, matches(value, req))
        for value in failing:
            with self.subTest(req=req, value=value):
                self.assertIs(False, matches(value, req))

    def test_bare_string_is_equality_of_the_whole_requirement(self):
        self.assertTable('x86_64', ['x86_64'], ['x86', 'X86_64', None])
        self.assertTable('48', ['48', 48], ['48.0', 49])
        self.assertTable('', [''], [' ', 'a'])
        self.assertTable('a b', ['a b'], ['a', 'b'])

    def test_numeric(self):
        self.assertTable('= 42', [42, 43, '42', '42.5', 42.0], [41, '41'])
        self.assertTable('>= 42', [42, 52], [41])
        self.assertTable('<= 42', [42, 36], [43])
        self.assertTable('== 42', [42, '42', '42.0'], [43])
        self.assertTable('!= 42', [43, '41'], [42])

    def test_numeric_never_matches_what_is_not_a_number(self):
        # Nova raises ValueError here; a host value cannot stop the scheduler.
        for req in ('= 42', '>= 42', '<= 42', '== 42', '!= 42'):
            self.assertTable(req, [], ['abc', '', None, True, False, [48],
                                       {'bits': 48}, object()])

    def test_string(self):
        self.assertTable('s== QEMU', ['QEMU'], ['qemu', 'QEMU '])
        self.assertTable('s!= QEMU', ['qemu'], ['QEMU'])
        self.assertTable('s< b', ['a'], ['b', 'c'])
        self.assertTable('s<= b', ['a', 'b'], ['c'])
        self.assertTable('s> b', ['c'], ['a', 'b'])
        self.assertTable('s>= b', ['b', 'c'], ['a'])
        # String order, not numeric order.
        self.assertTable('s> 9', [], ['10'])

    def test_in(self):
        # Nova compares the string form of the host value: on a list, a
        # substring of its text (``<in> avx512`` matches ``avx512f``).
        self.assertTable('<in> avx', ['has avx2', ['avx', 'sse'], ('avx',),
                                      ['avx2', 'sse']],
                         ['sse', ['AVX'], None])
        self.assertTable('<in> avx512', [['sse', 'avx512f']],
                         [['avx2', 'sse']])

    def test_all_in(self):
        self.assertTable('<all-in> avx sse',
                         [['sse', 'avx', 'vmx'], 'avx and sse',
                          ['avx2', 'sse4.2']],
                         [['avx'], 'avx'])

    def test_or(self):
        self.assertTable('<or> kvm <or> qemu', ['kvm', 'qemu'],
                         ['xen', 'kvm qemu', None])
        self.assertTable('<or> 48', ['48', 48], ['47'])

    def test_invalid_requirements(self):
        for req, message in [
                ('>= abc', "'>=' compares numbers, but 'abc' is not one"),
                ('= nan', "'=' compares numbers, but 'nan' is not one"),
                ('>=', "'>=' takes exactly one value, not 0"),
                ('>= 1 2', "'>=' takes exactly one value, not 2"),
                ('s== a b', "'s==' takes exactly one value, not 2"),
                ('<in>', "'<in>' takes exactly one value, not 0"),
                ('<all-in>', "'<all-in>' needs at least one value"),
                ('<or>', "'<or>' takes values separated by '<or>', as in "
                         "'<or> a <or> b'"),
                ('<or> a b', "'<or>' takes values separated by '<or>', as "
                             "in '<or> a <or> b'"),
                ('<or> a <or>', "'<or>' takes values separated by '<or>', "
                                "as in '<or> a <or> b'")]:
            with self.subTest(req=req):
                with self.assertRaises(ValueError) as ctx:
                    operators.compile_requirement(req)
                self.assertEqual(message, str(ctx.exception))

    def test_requirement_must_be_a_string(self):
        with self.assertRaises(ValueError) as ctx:
            operators.compile_requirement(None)
        self.assertEqual('must be a string, not a NoneType',
                         str(ctx.exception))

    def test_every_operator_is_covered(self):
        self.assertEqual(
            {'=', '==', '!=', '>=', '<=', 's==', 's!=', 's<', 's<=', 's>',
             's>=', '<in>', '<all-in>', '<or>'}, operators.OPERATORS)
