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

"""The exception base classes: message templates, codes, fallbacks."""

import unittest

from nova import exception


class NovaExceptionTest(unittest.TestCase):

    def test_default_message(self):
        exc = exception.NovaException()
        self.assertEqual('An unknown exception occurred.', str(exc))
        self.assertEqual((500, False), (exc.code, exc.reschedulable))

    def test_message_given_directly_wins(self):
        exc = exception.MaxPhysAddrUnsupported('said by hand', host='h')
        self.assertEqual('said by hand', exc.format_message())
        self.assertEqual({'host': 'h'}, exc.kwargs)

    def test_template_mismatch_keeps_the_facts(self):
        # A missing argument is a programming error: logged, and the facts
        # still reach the user rather than a second exception.
        with self.assertLogs(exception.LOG.logger, 'ERROR') as logs:
            exc = exception.FlavorImageConflict(setting='maxphysaddr bits')
        self.assertEqual(
            "%s: {'setting': 'maxphysaddr bits'}" %
            exception.FlavorImageConflict.msg_fmt, str(exc))
        self.assertIn('Exception message format error for '
                      'FlavorImageConflict', logs.output[0])

    def test_invalid_message(self):
        exc = exception.Invalid(reason='the request cannot work')
        self.assertEqual('Invalid request: the request cannot work',
                         str(exc))
        self.assertEqual(400, exc.code)

    def test_migration_pre_check_error_message(self):
        exc = exception.MigrationPreCheckError(reason='no room')
        self.assertEqual('Migration pre-check error: no room', str(exc))
        self.assertEqual((400, False), (exc.code, exc.reschedulable))

    def test_migration_error_is_a_pre_check_error(self):
        # Nova's conductor tries the next destination on the base class.
        exc = exception.MaxPhysAddrMigrationError(
            host='dest', request='mode=passthrough', reason='is refused')
        self.assertIsInstance(exc, exception.MigrationPreCheckError)
        self.assertEqual('Cannot move the instance to host dest: its '
                         'maxphysaddr request (mode=passthrough) is refused',
                         str(exc))
