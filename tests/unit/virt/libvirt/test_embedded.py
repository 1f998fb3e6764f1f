"""The embedded QEMU root: prerequisites, qemu.conf, one root per process."""

import os
import shutil
import tempfile
import unittest
from unittest import mock

import libvirt

from nova import exception
from nova.virt.libvirt import embedded


class FakeDomain:

    def __init__(self, name, active=True, persistent=True,
                 stops_by_itself=False):
        self._name = name
        self.active = active
        self.persistent = persistent
        self.stops_by_itself = stops_by_itself
        self.calls = []

    def name(self):
        return self._name

    def isActive(self):
        return self.active

    def isPersistent(self):
        return self.persistent

    def destroy(self):
        self.calls.append('destroy')
        self.active = False
        if self.stops_by_itself:
            raise libvirt.libvirtError('domain is not running')

    def undefine(self):
        self.calls.append('undefine')


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
                ('nova.virt.libvirt.embedded.find_qemu_binary',
                 lambda: self.qemu),
                ('nova.virt.libvirt.embedded._qemu_driver_module',
                 lambda: self.module),
                ('pwd.getpwnam', getpwnam),
                ('grp.getgrnam', getgrnam)):
            patcher = mock.patch(target, side_effect=fake)
            patcher.start()
            self.addCleanup(patcher.stop)


class PrerequisitesTest(Machine):

    def test_all_present(self):
        self.assertEqual([], embedded.missing_prerequisites())
        self.assertTrue(embedded.is_available())

    def test_each_missing_piece_is_named_with_its_fix(self):
        self.euid = 1000
        self.qemu = None
        self.module = None
        self.users = set()
        self.groups = set()
        self.assertEqual([
            'not running as root (the embedded QEMU driver runs QEMU as '
            'root here; use sudo)',
            'qemu-system-x86_64 not found (apt-get install qemu-system-x86)',
            "libvirt's QEMU driver module libvirt_driver_qemu.so not found "
            '(apt-get install libvirt-daemon-driver-qemu)',
            'no libvirt-qemu user (libvirt looks it up even when QEMU runs '
            'as root; tools/bootstrap.sh creates it: useradd --system --gid '
            'libvirt-qemu libvirt-qemu)',
            'no libvirt-qemu group (groupadd --system libvirt-qemu)',
        ], embedded.missing_prerequisites())
        self.assertFalse(embedded.is_available())

    def test_group_without_user(self):
        self.users = set()
        self.assertEqual(1, len(embedded.missing_prerequisites()))
        self.assertIn('no libvirt-qemu user',
                      embedded.missing_prerequisites()[0])


class SetupTest(Machine):

    def setUp(self):
        super().setUp()
        for target in ('nova.virt.libvirt.embedded.ensure_event_loop',):
            patcher = mock.patch(target)
            self.event_loop = patcher.start()
            self.addCleanup(patcher.stop)
        patcher = mock.patch.object(embedded, '_process_root', None)
        patcher.start()
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
        self.assertEqual(os.path.join(root, 'log', 'qemu'), emb.log_dir)
        self.event_loop.assert_called_once_with()

    def test_missing_prerequisites_refuse_setup_and_create_nothing(self):
        self.qemu = None
        self.users = set()
        root = os.path.join(self.tmp, 'root')
        with self.assertRaises(exception.EmbeddedQEMUUnavailable) as ctx:
            embedded.EmbeddedQEMU(root).setup()
        self.assertEqual(
            "Cannot use libvirt's embedded QEMU driver: qemu-system-x86_64 "
            'not found (apt-get install qemu-system-x86); no libvirt-qemu '
            'user (libvirt looks it up even when QEMU runs as root; '
            'tools/bootstrap.sh creates it: useradd --system --gid '
            'libvirt-qemu libvirt-qemu)', str(ctx.exception))
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

    def test_destroy_domains_stops_and_undefines_everything(self):
        running = FakeDomain('running')
        stopped = FakeDomain('stopped', active=False)
        racing = FakeDomain('racing', stops_by_itself=True)
        transient = FakeDomain('transient', persistent=False)
        conn = mock.Mock(**{'listAllDomains.return_value': [
            running, stopped, racing, transient]})
        emb = embedded.EmbeddedQEMU(self.tmp)
        emb.setup()
        with mock.patch('libvirt.open', return_value=conn) as open_:
            self.assertEqual(['running', 'stopped', 'racing', 'transient'],
                             emb.destroy_domains())
        open_.assert_called_once_with(emb.uri)
        conn.close.assert_called_once_with()
        self.assertEqual(['destroy', 'undefine'], running.calls)
        self.assertEqual(['undefine'], stopped.calls)
        self.assertEqual(['destroy', 'undefine'], racing.calls)
        self.assertEqual(['destroy'], transient.calls)

    def test_destroy_failure_of_a_running_guest_is_raised(self):
        class Stuck(FakeDomain):
            def destroy(self):
                raise libvirt.libvirtError('cannot kill')
        conn = mock.Mock(**{'listAllDomains.return_value': [Stuck('s')]})
        emb = embedded.EmbeddedQEMU(self.tmp)
        emb.setup()
        with mock.patch('libvirt.open', return_value=conn):
            with self.assertRaises(libvirt.libvirtError):
                emb.destroy_domains()
        conn.close.assert_called_once_with()

    def test_nothing_to_destroy_without_a_root(self):
        with mock.patch('libvirt.open') as open_:
            self.assertEqual([], embedded.EmbeddedQEMU().destroy_domains())
        open_.assert_not_called()


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
