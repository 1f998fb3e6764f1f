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

"""The application: OpenStack conventions, any user, clean failures."""

import os
import stat
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

from nova.cli import app
from nova.cli import backends
from nova.cli import check

from tests import base


class ConventionsTest(unittest.TestCase):

    def test_version(self):
        rc, out, err = base.run_cli('--version')
        self.assertEqual(0, rc)
        self.assertRegex(out + err, r'^nova-maxphysaddr \d+\.\d+')

    def test_every_option_has_help(self):
        application = app.MaxPhysAddrApp()
        parsers = [application.parser]
        for name, cls in app.COMMANDS.items():
            parsers.append(cls(application, None).get_parser(name))
        for parser in parsers:
            for action in parser._actions:
                with self.subTest(parser=parser.prog,
                                  option=action.option_strings):
                    self.assertTrue(action.help, action)

    def test_no_command_prints_help_not_a_shell(self):
        rc, out, _ = base.run_cli()
        self.assertEqual(0, rc)
        self.assertIn('Commands:', out)

    def test_help_for_a_command(self):
        rc, out, _ = base.run_cli('help', 'check')
        self.assertEqual(0, rc)
        self.assertIn('Exit status: 0 it will boot', out)

    def test_interrupt_exits_130_without_traceback(self):
        with mock.patch.object(check.Check, 'take_action',
                               side_effect=KeyboardInterrupt):
            rc, out, err = base.run_cli('check', '--ram', '1G')
        self.assertEqual(130, rc)
        self.assertIn('Interrupted.', err)
        self.assertNotIn('Traceback', err)

    def test_interrupt_inside_a_libvirt_call_exits_130(self):
        # Ctrl-C during domain.create(): the KeyboardInterrupt raised in a
        # libvirt callback comes out of the libvirt call as a SystemError.
        def create_interrupted(*args):
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt as interrupt:
                raise SystemError('<built-in function virDomainCreate> '
                                  'returned a result with an exception '
                                  'set') from interrupt
        for debug in ([], ['--debug']):
            with self.subTest(debug=debug):
                with mock.patch.object(check.Check, 'take_action',
                                       side_effect=create_interrupted):
                    rc, out, err = base.run_cli(*debug, 'check', '--ram',
                                                '1G')
                self.assertEqual(130, rc)
                self.assertIn('Interrupted.', err)
                self.assertNotIn('unexpected failure', err)

    def test_unexpected_error_exits_255_and_says_how_to_see_more(self):
        with mock.patch.object(check.Check, 'take_action',
                               side_effect=RuntimeError('boom')):
            rc, out, err = base.run_cli('check', '--ram', '1G')
        self.assertEqual(255, rc)
        self.assertIn('run with --debug for the traceback): boom', err)
        self.assertNotIn('Traceback', err)

    def test_unreadable_config_file(self):
        rc, _, err = base.run_cli('--config-file', '/nonexistent/nova.conf',
                                  'check', '--ram', '1G')
        self.assertEqual(255, rc)
        self.assertIn('cannot read the configuration', err)

    def test_nova_conf_sets_the_machine_type(self):
        with tempfile.NamedTemporaryFile('w', suffix='.conf') as conf:
            conf.write('[libvirt]\nhw_machine_type = x86_64=q35\n')
            conf.flush()
            rc, out, _ = base.run_cli('--config-file', conf.name, 'check',
                                      '--ram', '1G', '-f', 'value', '-c',
                                      'machine_type', '-c', 'min_bits')
        self.assertEqual(['q35', '36'], out.split())


class AnyUserTest(unittest.TestCase):
    """Nothing a run leaves behind can break another user's run."""

    def test_commands_that_need_no_libvirt_never_import_it(self):
        code = ('import sys; from nova.cli import app; '
                'rc = app.main(["check", "--ram", "1G", "-f", "value", '
                '"-c", "verdict"]); '
                'print("libvirt" in sys.modules, '
                '"LIBVIRT_LOG_OUTPUTS" in __import__("os").environ)')
        env = {k: v for k, v in os.environ.items()
               if k != 'LIBVIRT_LOG_OUTPUTS'}
        out = subprocess.run([sys.executable, '-c', code], env=env,
                             capture_output=True, text=True, check=True)
        self.assertEqual(['ok', 'False', 'False'], out.stdout.split())

    def test_libvirt_log_goes_to_a_private_new_directory(self):
        # It used to be a fixed /tmp/nova-maxphysaddr-libvirt.log: after
        # root left it 0600, no other user could import libvirt.
        with mock.patch.dict(os.environ, clear=False) as env:
            env.pop(backends.LIBVIRT_LOG_ENV, None)
            first = backends.quiet_libvirt()
            del env[backends.LIBVIRT_LOG_ENV]
            second = backends.quiet_libvirt()
            self.assertEqual('3:file:' + second,
                             env[backends.LIBVIRT_LOG_ENV])
        self.assertNotEqual(first, second)
        for path in (first, second):
            directory = os.path.dirname(path)
            self.assertEqual(0o700, stat.S_IMODE(os.stat(directory).st_mode))
            os.rmdir(directory)

    def test_the_log_directory_is_removed_when_the_command_ends(self):
        code = ('from nova.cli import backends; '
                'print(backends.quiet_libvirt())')
        env = {k: v for k, v in os.environ.items()
               if k != backends.LIBVIRT_LOG_ENV}
        out = subprocess.run([sys.executable, '-c', code], env=env,
                             capture_output=True, text=True, check=True)
        self.assertFalse(os.path.exists(os.path.dirname(out.stdout.strip())))

    def test_an_operator_setting_wins(self):
        with mock.patch.dict(os.environ,
                             {backends.LIBVIRT_LOG_ENV: '1:stderr'}):
            self.assertIsNone(backends.quiet_libvirt())
            self.assertEqual('1:stderr', os.environ[backends.LIBVIRT_LOG_ENV])
