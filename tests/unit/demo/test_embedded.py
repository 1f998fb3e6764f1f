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

"""The embedded QEMU root: prerequisites, qemu.conf, one root per process."""

import os
import shutil
import tempfile
import unittest
from unittest import mock

from nova.demo import embedded
from nova import exception

from tests import fakelibvirt


class Machine(unittest.TestCase):
    """A machine with everything the embedded driver needs, changeable."""

    def setUp(self):
        self.euid = 0
        self.qemu = '/usr/bin/qemu-system-x86_64'
        self.module = '/usr/lib/libvirt/connection-driver/' \
            'libvirt_driver_qemu.so'
        self.users = {'libvirt-qemu'}
        self.groups = {'libvirt-qemu'}

        def getpwnam(name):
            if name not in self.users:
                raise KeyError(name)

        def getgrnam(name):
            if name not in self.groups:
                raise KeyError(name)

        for target, fake in (
                ('os.geteuid', lambda: self.euid),
                ('nova.demo.embedded.find_qemu_binary',
                 lambda: self.qemu),
                ('nova.demo.embedded._qemu_driver_module',
                 lambda: self.module),
                ('pwd.getpwnam', getpwnam),
                ('grp.getgrnam', getgrnam)):
            patcher = mock.patch(target, side_effect=fake)
            patcher.start()
            self.addCleanup(patcher.stop)


class PrerequisitesTest(Machine):

    def test_all_present(self):
        self.assertEqual([], embedded.missing_prerequisites())

    def test_each_missing_piece_is_named_with_its_fix(self):
        self.qemu = None
        self.module = None
        self.users = set()
        self.groups = set()
        self.assertEqual([
            'qemu-system-x86_64 not found (apt-get install qemu-system-x86)',
            "libvirt's QEMU driver module libvirt_driver_qemu.so not found "
            '(apt-get install libvirt-daemon-driver-qemu)',
            'no libvirt-qemu user (libvirt looks it up when it runs as root, '
            'even when QEMU runs as root; tools/bootstrap.sh creates it: '
            'useradd --system --gid libvirt-qemu libvirt-qemu)',
            'no libvirt-qemu group (groupadd --system libvirt-qemu)',
        ], embedded.missing_prerequisites())

    def test_an_ordinary_user_needs_no_qemu_user(self):
        # It used to refuse every user but root ("./run demo" as a user
        # ended "NOT as expected" on the test driver).
        self.euid = 1000
        self.users = set()
        self.groups = set()
        self.assertEqual([], embedded.missing_prerequisites())
        self.qemu = None
        self.assertEqual(['qemu-system-x86_64 not found (apt-get install '
                          'qemu-system-x86)'],
                         embedded.missing_prerequisites())

    def test_group_without_user(self):
        self.users = set()
        self.assertEqual(1, len(embedded.missing_prerequisites()))
        self.assertIn('no libvirt-qemu user',
                      embedded.missing_prerequisites()[0])


class SetupTest(Machine):

    def setUp(self):
        super().setUp()
        for target in ('nova.demo.embedded.ensure_event_loop',):
            patcher = mock.patch(target)
            self.event_loop = patcher.start()
            self.addCleanup(patcher.stop)
        patcher = mock.patch.object(embedded, '_process_root', None)
        patcher.start()
        self.addCleanup(patcher.stop)
        # setup() holds one connection until cleanup(); here a fake one.
        self.conn = fakelibvirt.use_fake_libvirt(self)
        patcher = mock.patch('libvirt.open', return_value=self.conn)
        self.open = patcher.start()
        self.addCleanup(patcher.stop)
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_setup_writes_qemu_conf_where_embed_mode_reads_it(self):
        root = os.path.join(self.tmp, 'root')
        emb = embedded.EmbeddedQEMU(root)
        self.assertEqual('qemu:///embed?root=%s' % root, emb.setup())
        with open(os.path.join(root, 'etc', 'qemu.conf')) as f:
            settings = dict(
                line.split(' = ', 1) for line in f.read().splitlines()
                if line and not line.startswith('#'))
        self.assertEqual({
            'user': '"root"',
            'group': '"root"',
            'stdio_handler': '"file"',
            'memory_backing_dir': '"%s/ram"' % root,
        }, settings)
        self.assertTrue(os.path.isdir(os.path.join(root, 'ram')))
        self.event_loop.assert_called_once_with()
        self.open.assert_called_once_with(emb.uri)
        self.assertFalse(self.conn.closed)

    def test_the_held_connection_is_closed_by_cleanup(self):
        emb = embedded.EmbeddedQEMU(self.tmp)
        emb.setup()
        emb.cleanup()
        self.assertTrue(self.conn.closed)

    def test_a_root_libvirt_cannot_open_is_unavailable(self):
        self.open.side_effect = fakelibvirt.libvirtError('no driver')
        self.enterContext(mock.patch('libvirt.libvirtError',
                                     fakelibvirt.libvirtError))
        with self.assertRaises(exception.EmbeddedQEMUUnavailable) as ctx:
            embedded.EmbeddedQEMU(self.tmp).setup()
        self.assertEqual(
            "Cannot use libvirt's embedded QEMU driver: libvirt cannot open "
            'qemu:///embed?root=%s: no driver' % self.tmp, str(ctx.exception))

    def test_as_an_ordinary_user_qemu_runs_as_that_user(self):
        self.euid = 1000
        root = os.path.join(self.tmp, 'root')
        embedded.EmbeddedQEMU(root).setup()
        with open(os.path.join(root, 'etc', 'qemu.conf')) as f:
            settings = dict(
                line.split(' = ', 1) for line in f.read().splitlines()
                if line and not line.startswith('#'))
        self.assertEqual({'stdio_handler', 'memory_backing_dir'},
                         set(settings))

    def test_missing_prerequisites_refuse_setup_and_create_nothing(self):
        self.qemu = None
        self.users = set()
        root = os.path.join(self.tmp, 'root')
        with self.assertRaises(exception.EmbeddedQEMUUnavailable) as ctx:
            embedded.EmbeddedQEMU(root).setup()
        self.assertEqual(
            "Cannot use libvirt's embedded QEMU driver: qemu-system-x86_64 "
            'not found (apt-get install qemu-system-x86); no libvirt-qemu '
            'user (libvirt looks it up when it runs as root, even when QEMU '
            'runs as root; tools/bootstrap.sh creates it: useradd --system '
            '--gid libvirt-qemu libvirt-qemu)', str(ctx.exception))
        self.assertFalse(os.path.exists(root))
        self.event_loop.assert_not_called()

    def test_uri_before_setup_is_an_error(self):
        with self.assertRaises(exception.EmbeddedQEMUUnavailable) as ctx:
            embedded.EmbeddedQEMU().uri
        self.assertIn('call setup() first', str(ctx.exception))

    def test_one_root_per_process(self):
        first = os.path.join(self.tmp, 'first')
        embedded.EmbeddedQEMU(first).setup()
        # The same root again is fine (libvirt reuses its driver) ...
        embedded.EmbeddedQEMU(first).setup()
        # ... another one, or a new temporary one, is not.
        for other in (os.path.join(self.tmp, 'second'), None):
            with self.assertRaises(exception.EmbeddedQEMUUnavailable) as ctx:
                embedded.EmbeddedQEMU(other).setup()
            self.assertEqual(
                "Cannot use libvirt's embedded QEMU driver: this process "
                'already uses the embedded root %s, and libvirt allows one '
                'root per process; reuse it, or run in another process'
                % first, str(ctx.exception))
        self.assertEqual(['first'], os.listdir(self.tmp))

    def test_temporary_root_is_created_and_removed(self):
        emb = embedded.EmbeddedQEMU()
        with mock.patch('tempfile.mkdtemp', return_value=os.path.join(
                self.tmp, 'tmp-root')) as mkdtemp:
            os.mkdir(os.path.join(self.tmp, 'tmp-root'))
            with mock.patch.object(emb, 'destroy_domains',
                                   return_value=[]) as destroy:
                with emb as uri:
                    self.assertEqual(
                        'qemu:///embed?root=%s/tmp-root' % self.tmp, uri)
                    self.assertTrue(os.path.isdir(emb.root))
                destroy.assert_called_once_with()
        mkdtemp.assert_called_once_with(prefix='nova-maxphysaddr-embed-')
        self.assertFalse(os.path.exists(emb.root))

    def test_existing_root_is_kept(self):
        emb = embedded.EmbeddedQEMU(self.tmp)
        emb.setup()
        with mock.patch.object(emb, 'destroy_domains', return_value=[]):
            emb.cleanup()
        self.assertTrue(os.path.isfile(
            os.path.join(self.tmp, 'etc', 'qemu.conf')))

    def domain(self, name, running=True, persistent=True):
        """A guest in the fake embedded driver, its calls recorded."""
        domain = self.conn.defineXML(
            "<domain type='qemu'><name>%s</name><os><type arch='x86_64' "
            "machine='pc'>hvm</type></os></domain>" % name)
        if running:
            domain.create()
        if not persistent:
            domain.undefine()
        calls = []
        for method in ('destroy', 'undefine'):
            real = getattr(domain, method)

            def record(real=real, method=method):
                calls.append(method)
                return real()
            patcher = mock.patch.object(domain, method, side_effect=record)
            patcher.start()
            self.addCleanup(patcher.stop)
        return domain, calls

    def test_destroy_domains_stops_and_undefines_everything(self):
        running, running_calls = self.domain('running')
        _stopped, stopped_calls = self.domain('stopped', running=False)
        racing, racing_calls = self.domain('racing')
        _transient, transient_calls = self.domain('transient',
                                                  persistent=False)
        emb = embedded.EmbeddedQEMU(self.tmp)
        emb.setup()
        list_all = self.conn.listAllDomains

        def racing_stops_after_the_listing(flags=0):
            domains = list_all(flags)
            # QEMU exits on its own (not a call of ours).
            fakelibvirt.Domain.destroy(racing)
            return domains

        with mock.patch.object(self.conn, 'listAllDomains',
                               racing_stops_after_the_listing):
            self.assertEqual(['running', 'stopped', 'racing', 'transient'],
                             emb.destroy_domains())
        # The connection setup() opened, kept open for the next caller.
        self.open.assert_called_once_with(emb.uri)
        self.assertFalse(self.conn.closed)
        self.assertEqual([], self.conn.listAllDomains())
        self.assertEqual(['destroy', 'undefine'], running_calls)
        # Guest.destroy() tries to stop a guest that is not running (and
        # finds it stopped) rather than asking first.
        self.assertEqual(['destroy', 'undefine'], stopped_calls)
        self.assertEqual(['destroy', 'undefine'], racing_calls)
        self.assertEqual(['destroy'], transient_calls)

    def test_destroy_failure_of_a_running_guest_is_raised(self):
        stuck, _calls = self.domain('s')
        emb = embedded.EmbeddedQEMU(self.tmp)
        emb.setup()
        with mock.patch.object(stuck, 'destroy', side_effect=(
                fakelibvirt.libvirtError('cannot kill'))):
            with self.assertRaises(fakelibvirt.libvirtError):
                emb.destroy_domains()
        self.assertEqual([stuck], self.conn.listAllDomains())

    def test_nothing_to_destroy_without_a_root(self):
        self.assertEqual([], embedded.EmbeddedQEMU().destroy_domains())
        self.open.assert_not_called()


class FindQEMUTest(unittest.TestCase):

    def test_found_outside_path(self):
        with mock.patch.dict(os.environ, {'PATH': '/nonexistent'}), \
                mock.patch('shutil.which', return_value='/usr/bin/q') as which:
            self.assertEqual('/usr/bin/q', embedded.find_qemu_binary())
        which.assert_called_once_with(
            'qemu-system-x86_64',
            path='/nonexistent:/usr/local/bin:/usr/bin:/bin')


class EventLoopTest(unittest.TestCase):

    def test_registered_once(self):
        with mock.patch.object(embedded, '_event_loop_thread', None), \
                mock.patch('libvirt.virEventRegisterDefaultImpl') as reg, \
                mock.patch('threading.Thread') as thread:
            embedded.ensure_event_loop()
            embedded.ensure_event_loop()
        reg.assert_called_once_with()
        thread.assert_called_once_with(target=embedded._run_event_loop,
                                       name='libvirt-event-loop',
                                       daemon=True)
        thread.return_value.start.assert_called_once_with()
