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

"""The compute hosts ``boot``, ``demo`` and ``host`` talk to.

The real one is libvirt: by default libvirt's embedded QEMU driver
(``qemu:///embed``: real QEMU, no daemon, no configuration; under KVM when
this user may open ``/dev/kvm``, else TCG), or the URI of ``--connect`` /
``[libvirt]connection_uri`` with nova.conf's ``[libvirt]`` options, as
nova-compute would use it.  The simulated ones (``demo``, ``boot``) are
capabilities documents read through the same driver code.

libvirt is imported here, and only by the commands that need it; its own
log goes to a file in a directory private to this process, so it never
clutters the report and never collides with another user's run.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import nova.conf
from nova.cli import common

CONF = nova.conf.CONF

LIBVIRT_LOG_ENV = 'LIBVIRT_LOG_OUTPUTS'
# Warnings and errors of libvirt's in-process drivers.
LIBVIRT_LOG_LEVEL = 3
LOCAL_HOST_NAME = 'this-host'
# File-backed guest RAM lives in sparse files: set aside more than any
# flavor the demo boots, so Placement's MEMORY_MB check passes.
EMBEDDED_FILE_BACKED_MEMORY_MB = 16 * 1024 * 1024
# The embedded root's first connection probes QEMU (measured here).
QEMU_PROBE_SECONDS = 8
# Under KVM the demo's guest CPU is a named model every x86 host can give:
# host-model (Nova's KVM default) expands to the host's own CPU, which
# nested or unusual hosts cannot always start.
KVM_DEMO_CPU_MODEL = 'kvm64'


@dataclasses.dataclass(frozen=True)
class Backend:
    """The real compute host, in words for the report."""

    uri: str
    accelerator: str | None
    """'KVM' or 'TCG' for the embedded driver; None when not known here."""
    description: str


def quiet_libvirt() -> str | None:
    """Send libvirt's log to a private file; return its path, or None when
    the environment already says where it goes.  Must run before libvirt
    is first imported."""
    if LIBVIRT_LOG_ENV in os.environ:
        return None
    directory = tempfile.mkdtemp(prefix='nova-maxphysaddr-log-')
    # Removed when the command ends: one per run would pile up in /tmp.
    atexit.register(shutil.rmtree, directory, True)
    path = os.path.join(directory, 'libvirt.log')
    os.environ[LIBVIRT_LOG_ENV] = '%d:file:%s' % (LIBVIRT_LOG_LEVEL, path)
    return path


@contextlib.contextmanager
def _overrides(**options: Any) -> Iterator[None]:
    for name, value in options.items():
        CONF.set_override(name, value, group='libvirt')
    try:
        yield
    finally:
        for name in options:
            CONF.clear_override(name, group='libvirt')


@contextlib.contextmanager
def embedded_backend(virt_type: str | None = None) -> Iterator[Backend]:
    """A fresh ``qemu:///embed`` root, configured like a compute node with
    file-backed memory; KVM when usable, unless ``virt_type`` says."""
    from nova.demo import embedded

    missing = embedded.missing_prerequisites()
    if missing:
        raise common.CommandError(
            "libvirt's embedded QEMU driver cannot run here: %s. Install "
            'them (tools/bootstrap.sh does), or give --connect URI.'
            % '; '.join(missing))
    kvm_unusable = embedded.kvm_unusable_reason()
    if virt_type is None:
        virt_type = 'qemu' if kvm_unusable else 'kvm'
    elif virt_type == 'kvm' and kvm_unusable:
        raise common.CommandError('--virt-type kvm: ' + kvm_unusable)
    options: dict[str, Any] = {
        'virt_type': virt_type,
        'file_backed_memory': EMBEDDED_FILE_BACKED_MEMORY_MB,
    }
    if virt_type == 'kvm':
        options.update(cpu_mode='custom', cpu_models=[KVM_DEMO_CPU_MODEL])
        accelerator = 'KVM'
        cpu = 'custom CPU %s' % KVM_DEMO_CPU_MODEL
    else:
        options.update(cpu_mode=None, cpu_models=[])
        accelerator = 'TCG'
        cpu = ('QEMU\'s qemu64 CPU (TCG: no KVM because %s)' % kvm_unusable
               if kvm_unusable else 'QEMU\'s qemu64 CPU')
    root = embedded.EmbeddedQEMU()
    uri = root.setup()
    try:
        with _overrides(**options):
            yield Backend(uri, accelerator, (
                "libvirt's embedded QEMU driver (%s): real QEMU under %s, "
                'no daemon; %s; guest RAM in sparse files' % (
                    uri, accelerator, cpu)))
    finally:
        root.cleanup()


@contextlib.contextmanager
def libvirt_backend(uri: str | None, virt_type: str | None
                    ) -> Iterator[Backend]:
    """libvirt at ``uri`` (default: nova.conf's), with nova.conf's
    ``[libvirt]`` options; ``virt_type`` overrides nova.conf's."""
    options = {} if virt_type is None else {'virt_type': virt_type}
    with _overrides(**options):
        from nova.virt.libvirt import host as libvirt_host

        real_uri = libvirt_host.Host(uri).uri
        yield Backend(real_uri, None, 'libvirt at %s, [libvirt]virt_type=%s '
                      'and cpu_mode=%s (nova.conf: %s)' % (
                          real_uri, CONF.libvirt.virt_type,
                          CONF.libvirt.cpu_mode or 'unset',
                          ', '.join(CONF.config_file) or 'none read'))


@contextlib.contextmanager
def compute_hosts(connect: str | None, virt_type: str | None,
                  simulated: bool) -> Iterator[tuple[list[Any], Backend]]:
    """The cloud ``boot`` and ``demo`` schedule across: the real host first,
    then (if asked) the simulated ones."""
    quiet_libvirt()
    from nova.demo import boot_path
    from nova.demo import simulated_hosts
    from nova.virt.libvirt import driver as libvirt_driver
    from nova.virt.libvirt import host as libvirt_host

    backend_cm = (libvirt_backend(connect, virt_type) if connect
                  else embedded_backend(virt_type))
    with backend_cm as backend:
        host = libvirt_host.Host(backend.uri)
        try:
            # The real host must be there: an unreachable libvirt is the
            # command's failure (exit 255), not a host the scheduler skips.
            host.get_connection()
            hosts = [boot_path.ComputeHost(
                LOCAL_HOST_NAME, host, libvirt_driver.LibvirtDriver(host),
                True, 'this machine: %s' % backend.uri)]
            if simulated:
                for desc in simulated_hosts.SIMULATED_HOSTS:
                    sim = simulated_hosts.SimulatedHost(desc)
                    hosts.append(boot_path.ComputeHost(
                        desc.name, sim, libvirt_driver.LibvirtDriver(sim),
                        False, desc.summary))
            yield hosts, backend
        finally:
            host.close()
