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

"""The libvirt connection and the facts about the host behind it.

Everything the driver asks libvirt about the host goes through :class:`Host`:
the versions (to decide which features the host may advertise) and the
capabilities document.  Both are read once per connection: they describe
software and hardware that do not change while the service runs, and each
question is a round trip to libvirtd.
"""

from __future__ import annotations

import threading
from typing import Any

import libvirt
from oslo_log import log as logging
from oslo_utils import versionutils

import nova.conf
from nova import exception
from nova.virt.libvirt import config as vconfig

LOG = logging.getLogger(__name__)
CONF = nova.conf.CONF

# [libvirt]connection_uri when unset, by [libvirt]virt_type (Nova's).
DEFAULT_URIS = {
    'kvm': 'qemu:///system',
    'qemu': 'qemu:///system',
    'lxc': 'lxc:///',
    'parallels': 'parallels:///system',
}

_VERSION_REASON = ('libvirt reports versions as a non-negative integer, '
                   'major * 1000000 + minor * 1000 + release')


def _ignore_libvirt_error(ctxt: Any, err: Any) -> None:
    """libvirt prints every error to stderr unless a handler is set; we
    raise them as exceptions instead."""


class Host:
    """One libvirt connection, opened on first use.

    ``qemu:///embed`` URIs need an event loop in the process before they
    open; :class:`nova.demo.embedded.EmbeddedQEMU` sets one up.
    """

    def __init__(self, uri: str | None = None) -> None:
        self._uri = (uri or CONF.libvirt.connection_uri or
                     DEFAULT_URIS[CONF.libvirt.virt_type])
        self._conn = None
        self._caps: vconfig.LibvirtConfigCaps | None = None
        # Facts read once per connection: name -> value.
        self._facts: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def uri(self) -> str:
        return self._uri

    def get_connection(self) -> Any:
        """The open ``virConnect``; connects on first call.

        :raises HypervisorUnavailable: libvirt refused the connection
        """
        with self._lock:
            if self._conn is None:
                libvirt.registerErrorHandler(_ignore_libvirt_error, None)
                try:
                    self._conn = libvirt.open(self._uri)
                except libvirt.libvirtError as exc:
                    raise exception.HypervisorUnavailable(
                        uri=self._uri, reason=exc.get_error_message())
                LOG.info('Connected to libvirt at %s', self._uri)
            return self._conn

    def close(self) -> None:
        """Close the connection; the next call reconnects and re-reads."""
        with self._lock:
            conn, self._conn, self._caps = self._conn, None, None
            self._facts = {}
        if conn is not None:
            conn.close()

    def _fact(self, name: str, read: Any) -> Any:
        """``read()``, asked of libvirt once per connection."""
        try:
            return self._facts[name]
        except KeyError:
            value = self._facts[name] = read()
            return value

    def _checked_version(self, component: str, getter: Any) -> int:
        try:
            version = getter()
        except libvirt.libvirtError as exc:
            raise exception.InvalidHypervisorVersion(
                component=component, version=None,
                reason='libvirt could not tell: %s' %
                exc.get_error_message())
        if isinstance(version, bool) or not isinstance(version, int) or \
                version < 0:
            raise exception.InvalidHypervisorVersion(
                component=component, version=version, reason=_VERSION_REASON)
        return version

    def get_libversion(self) -> int:
        """libvirt's version, e.g. 9000000 for 9.0.0."""
        return self._fact('libversion', lambda: self._checked_version(
            'libvirt', self.get_connection().getLibVersion))

    def get_version(self) -> int:
        """The hypervisor's version, e.g. 7002000 for QEMU 7.2.0."""
        return self._fact('version', lambda: self._checked_version(
            self.get_hypervisor_type(), self.get_connection().getVersion))

    def get_hypervisor_type(self) -> str:
        """libvirt's name for the hypervisor driver: 'QEMU', 'LXC', 'TEST'."""
        return self._fact('type', lambda: self.get_connection().getType())

    def get_hostname(self) -> str:
        return self._fact('hostname',
                          lambda: self.get_connection().getHostname())

    def has_min_version(self, lv_ver: tuple[int, ...] | None = None,
                        hv_ver: tuple[int, ...] | None = None,
                        hv_type: str | None = None) -> bool:
        """Whether libvirt is at least ``lv_ver`` and the hypervisor is of
        type ``hv_type`` and at least ``hv_ver`` (each only if given)."""
        if lv_ver is not None and self.get_libversion() < \
                versionutils.convert_version_to_int(lv_ver):
            return False
        if hv_type is not None and self.get_hypervisor_type() != hv_type:
            return False
        if hv_ver is not None and self.get_version() < \
                versionutils.convert_version_to_int(hv_ver):
            return False
        return True

    def get_capabilities(self) -> vconfig.LibvirtConfigCaps:
        """The host capabilities document, parsed on first call.

        :raises InvalidHostCapabilities: not XML, or no ``<host><cpu><arch>``
            (without the host's architecture nothing else can be decided)
        """
        conn = self.get_connection()
        with self._lock:
            if self._caps is None:
                caps = vconfig.LibvirtConfigCaps()
                try:
                    caps.parse_str(conn.getCapabilities())
                except exception.InvalidLibvirtXML as exc:
                    raise exception.InvalidHostCapabilities(
                        reason=exc.format_message())
                if caps.host is None or caps.host.cpu is None or \
                        not caps.host.cpu.arch:
                    raise exception.InvalidHostCapabilities(
                        reason='it has no <host><cpu><arch> element')
                self._caps = caps
            return self._caps

    def _get_info(self) -> list:
        # virNodeGetInfo: [model, memory MiB, cpus, MHz, nodes, sockets,
        # cores, threads]
        return self.get_connection().getInfo()

    def get_cpu_count(self) -> int:
        """The host's online logical CPUs."""
        return self._get_info()[2]

    def get_memory_mb_total(self) -> int:
        return self._get_info()[1]
