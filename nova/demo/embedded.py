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

"""libvirt's embedded QEMU driver: real QEMU without a libvirt daemon.

``qemu:///embed?root=DIR`` runs libvirt's QEMU driver inside the calling
process, with every file it keeps (configuration, state, logs, capability
cache, file-backed guest RAM) under ``DIR``.  The main job and the
end-to-end tests use it so that a real QEMU (TCG) boots our guests on any
Debian machine with QEMU installed, with no daemon, no systemd and no system
configuration touched.

What libvirt 9.0 (Debian 12) needs for it, measured on this project's CI
machine rather than assumed:

* an event loop registered in the process before the connection is opened
  ("An event loop implementation must be registered" otherwise);
* as root, a ``libvirt-qemu`` user *and* group, even when ``qemu.conf`` says
  to run QEMU as root: the driver resolves its compiled-in default before it
  reads ``qemu.conf`` ("Failed to parse user 'libvirt-qemu'");
* ``DIR/etc/qemu.conf`` is the configuration file it reads (not
  ``DIR/etc/libvirt/`` nor ``DIR/etc/qemu/``): as root we set QEMU's user
  and group to root, so no file under ``DIR`` needs to change owner; for
  every user ``stdio_handler = "file"``, so QEMU's output goes to
  ``DIR/log/qemu`` without virtlogd (which would otherwise be waited for);
* an ordinary user needs nothing more: QEMU runs as that user (under TCG,
  or under KVM when the user may open ``/dev/kvm``);
* one root per process, for the life of the process: a second root is
  refused ("already open with path ...") even after the first connection is
  closed.

The first connection to a fresh root probes QEMU's capabilities (about 8 s
here); later connections to the same root reuse ``DIR/cache``.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import tempfile
import threading

import libvirt
from oslo_log import log as logging

from nova import exception
from nova.virt.libvirt import guest as libvirt_guest

LOG = logging.getLogger(__name__)

EMBED_URI_FMT = 'qemu:///embed?root=%s'
QEMU_BINARY = 'qemu-system-x86_64'
# Debian builds libvirt with this user and group as QEMU's default; the
# embedded driver looks both up before reading qemu.conf.
QEMU_USER = 'libvirt-qemu'
QEMU_GROUP = 'libvirt-qemu'
# Relative to the root: where the driver reads its configuration, and where
# our guests' file-backed RAM goes (sparse files, one per guest).
QEMU_CONF = os.path.join('etc', 'qemu.conf')
MEMORY_BACKING_DIR = 'ram'
# libvirt's QEMU driver is a loadable module, shipped by
# libvirt-daemon-driver-qemu; libvirt0 alone cannot open qemu:// URIs.
QEMU_DRIVER_MODULE_DIRS = (
    '/usr/lib/x86_64-linux-gnu/libvirt/connection-driver',
    '/usr/lib64/libvirt/connection-driver',
    '/usr/lib/libvirt/connection-driver',
)
QEMU_DRIVER_MODULE = 'libvirt_driver_qemu.so'

_QEMU_CONF_TEMPLATE = '''\
# Written by nova-maxphysaddr for libvirt's embedded QEMU driver.
%(identity)sstdio_handler = "file"
memory_backing_dir = "%(memory_backing_dir)s"
'''
# As root: run QEMU as root too (nothing under the root changes owner).
_ROOT_IDENTITY = 'user = "root"\ngroup = "root"\n'
KVM_DEVICE = '/dev/kvm'

_event_loop_lock = threading.Lock()
_event_loop_thread: threading.Thread | None = None
# The root this process has handed to libvirt; libvirt refuses any other.
_process_root: str | None = None


def find_qemu_binary() -> str | None:
    """The path of QEMU's x86_64 system emulator, or None when not installed.

    Debian puts it in /usr/bin, but root's PATH under sudo or cron may lack
    that; the usual places are searched too.
    """
    path = os.environ.get('PATH', '') + ':/usr/local/bin:/usr/bin:/bin'
    return shutil.which(QEMU_BINARY, path=path)


def _qemu_driver_module() -> str | None:
    for directory in QEMU_DRIVER_MODULE_DIRS:
        candidate = os.path.join(directory, QEMU_DRIVER_MODULE)
        if os.path.exists(candidate):
            return candidate
    return None


def missing_prerequisites() -> list[str]:
    """Say, one line each, what this machine lacks for the embedded driver.

    An empty list means :meth:`EmbeddedQEMU.setup` can succeed.  Each line
    names the fix, so the CLI and the e2e tests can print it as it is.
    """
    missing = []
    if find_qemu_binary() is None:
        missing.append('%s not found (apt-get install qemu-system-x86)' %
                       QEMU_BINARY)
    if _qemu_driver_module() is None:
        missing.append("libvirt's QEMU driver module %s not found "
                       '(apt-get install libvirt-daemon-driver-qemu)' %
                       QEMU_DRIVER_MODULE)
    if os.geteuid() != 0:
        return missing
    try:
        pwd.getpwnam(QEMU_USER)
    except KeyError:
        missing.append('no %(user)s user (libvirt looks it up when it runs '
                       'as root, even when QEMU runs as root; '
                       'tools/bootstrap.sh creates it: useradd --system '
                       '--gid %(group)s %(user)s)' %
                       {'user': QEMU_USER, 'group': QEMU_GROUP})
    try:
        grp.getgrnam(QEMU_GROUP)
    except KeyError:
        missing.append('no %(group)s group (groupadd --system %(group)s)' %
                       {'group': QEMU_GROUP})
    return missing


def kvm_unusable_reason() -> str | None:
    """Why guests here cannot run under KVM, or None when they can."""
    if not os.path.exists(KVM_DEVICE):
        return '%s does not exist (no hardware virtualisation here)' % (
            KVM_DEVICE)
    if not os.access(KVM_DEVICE, os.R_OK | os.W_OK):
        return ('this user may not open %s (ask for access to it, e.g. '
                'membership of the group that owns it where that is not '
                'root, or run as root)' % KVM_DEVICE)
    return None


def _run_event_loop() -> None:
    while True:
        libvirt.virEventRunDefaultImpl()


def ensure_event_loop() -> None:
    """Register libvirt's default event loop once and keep it running.

    The embedded driver delivers QEMU monitor replies and guest lifecycle
    events through it; without one the connection cannot be opened.
    """
    global _event_loop_thread
    with _event_loop_lock:
        if _event_loop_thread is not None:
            return
        libvirt.virEventRegisterDefaultImpl()
        _event_loop_thread = threading.Thread(
            target=_run_event_loop, name='libvirt-event-loop', daemon=True)
        _event_loop_thread.start()


class EmbeddedQEMU:
    """One ``qemu:///embed`` root: prepare it, hand out its URI, clean up.

    ``with EmbeddedQEMU() as uri: ...`` boots guests in a fresh temporary
    root and removes it, with any guest still running, on the way out.
    """

    def __init__(self, root: str | None = None) -> None:
        """:param root: the directory to use; None creates a temporary one.

        A directory that already exists is reused (its capability cache
        saves the probing time) and is never removed by :meth:`cleanup`;
        only what this object created is.
        """
        self.root = os.path.abspath(root) if root else None
        self._created = False
        # libvirt shuts the in-process QEMU driver down when its last
        # connection closes and registers it again on the next open, with
        # a fixed number of registrations per process ("Too many drivers"
        # after about twenty).  One connection held from setup() to
        # cleanup() keeps the driver up however often callers open theirs.
        self._keeper: libvirt.virConnect | None = None

    @property
    def uri(self) -> str:
        if self.root is None:
            raise exception.EmbeddedQEMUUnavailable(
                reason='the root is not set up yet; call setup() first')
        return EMBED_URI_FMT % self.root

    @property
    def memory_backing_dir(self) -> str:
        """Where QEMU puts file-backed guest RAM (sparse, one per guest)."""
        return os.path.join(self.root or '', MEMORY_BACKING_DIR)

    def setup(self) -> str:
        """Check the machine, write the root's qemu.conf, return the URI.

        :raises EmbeddedQEMUUnavailable: naming everything that is missing,
            or when this process already uses another root.
        """
        missing = missing_prerequisites()
        if missing:
            raise exception.EmbeddedQEMUUnavailable(reason='; '.join(missing))
        global _process_root
        if _process_root is not None and self.root != _process_root:
            raise exception.EmbeddedQEMUUnavailable(reason=(
                'this process already uses the embedded root %s, and libvirt '
                'allows one root per process; reuse it, or run in another '
                'process' % _process_root))
        if self.root is None:
            self.root = tempfile.mkdtemp(prefix='nova-maxphysaddr-embed-')
            self._created = True
        elif not os.path.exists(self.root):
            os.makedirs(self.root)
            self._created = True
        os.makedirs(self.memory_backing_dir, exist_ok=True)
        conf_path = os.path.join(self.root, QEMU_CONF)
        os.makedirs(os.path.dirname(conf_path), exist_ok=True)
        with open(conf_path, 'w') as conf:
            conf.write(_QEMU_CONF_TEMPLATE % {
                'identity': _ROOT_IDENTITY if os.geteuid() == 0 else '',
                'memory_backing_dir': self.memory_backing_dir})
        ensure_event_loop()
        if self._keeper is None:
            try:
                self._keeper = libvirt.open(self.uri)
            except libvirt.libvirtError as exc:
                raise exception.EmbeddedQEMUUnavailable(
                    reason='libvirt cannot open %s: %s' % (
                        self.uri, exc.get_error_message()))
        _process_root = self.root
        LOG.debug('Embedded QEMU root ready: %s', self.root)
        return self.uri

    def destroy_domains(self) -> list[str]:
        """Stop and undefine every guest in the root; return their names.

        Guests outlive the process that started them, so a root is never
        removed with QEMU still running from it.
        """
        if self._keeper is None:
            return []
        names = []
        for domain in self._keeper.listAllDomains():
            guest = libvirt_guest.Guest(domain)
            names.append(guest.name)
            guest.destroy()
        return names

    def cleanup(self) -> None:
        """Destroy leftover guests, then remove the root if we created it."""
        names = self.destroy_domains()
        if names:
            LOG.debug('Removed guests from %s: %s', self.root,
                      ', '.join(names))
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None
        if self._created and self.root and os.path.isdir(self.root):
            shutil.rmtree(self.root)
            self._created = False

    def __enter__(self) -> str:
        return self.setup()

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()
