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

"""A fake ``libvirt`` module for unit tests: fast, and with a settable host.

:func:`use_fake_libvirt` swaps it in for the real module inside
``nova.virt.libvirt.host``, ``.driver`` and ``.guest`` and returns the
:class:`Connection` that ``libvirt.open()`` will hand out; a test sets the
versions, the hypervisor type, the host CPU (or a whole capabilities
document) on it before the code under test first asks.

``defineXML`` parses the document (with lxml, not with the code under test)
and applies the maxphysaddr rules libvirt's QEMU driver enforces (libvirt
9.0's ``qemu_validate.c``, measured: doc/source/admin/libvirt-driver.rst),
so a test can show that the driver refuses before libvirt would.
The messages are this fake's own wording.
"""

from __future__ import annotations

import uuid as uuid_lib
from typing import Any
from unittest import mock

from lxml import etree

VIR_ERR_INTERNAL_ERROR = 1
VIR_ERR_OPERATION_FAILED = 9
VIR_ERR_XML_ERROR = 27
VIR_ERR_NO_DOMAIN = 42
VIR_ERR_OPERATION_INVALID = 55
VIR_ERR_CONFIG_UNSUPPORTED = 67
VIR_FROM_QEMU = 10

X86_ARCHES = ('x86_64', 'i686')
# CPUs whose phys-bits QEMU lets a guest set.
LONG_MODE_ARCHES = ('x86_64',)
# The libvirt version from which mode='passthrough' no longer needs a
# host-passthrough guest CPU (libvirt 8.7 refuses, 9.0.0 accepts).
PASSTHROUGH_ANY_CPU_LIBVERSION = 9000000


class libvirtError(Exception):  # noqa: N801 (libvirt's own name)
    """Like the real one: the message, plus code and domain in ``err``."""

    def __init__(self, msg: str, error_code: int = VIR_ERR_INTERNAL_ERROR,
                 error_domain: int = VIR_FROM_QEMU) -> None:
        super().__init__(msg)
        self.err = (error_code, error_domain, msg, 2, None, None, None, 0, 0)

    def get_error_code(self) -> int:
        return self.err[0]

    def get_error_domain(self) -> int:
        return self.err[1]

    def get_error_message(self) -> str:
        return self.err[2]


def registerErrorHandler(handler: Any, ctx: Any) -> None:  # noqa: N802
    """The real one silences libvirt's stderr printing; nothing to do."""


def host_capabilities_xml(arch: str = 'x86_64', vendor: str = 'AMD',
                          model: str = 'EPYC-Rome',
                          maxphysaddr_bits: int | None = 48,
                          guest_arches: tuple[str, ...] = ('x86_64',),
                          domain_types: tuple[str, ...] = ('qemu', 'kvm')
                          ) -> str:
    """A small host capabilities document, as libvirt writes them."""
    maxphysaddr = ''
    if maxphysaddr_bits is not None:
        maxphysaddr = ("\n      <maxphysaddr mode='emulate' bits='%d'/>" %
                       maxphysaddr_bits)
    guests = ''.join(
        """
  <guest>
    <os_type>hvm</os_type>
    <arch name='%s'>
      <wordsize>64</wordsize>%s
    </arch>
  </guest>""" % (guest_arch, ''.join("\n      <domain type='%s'/>" % dt
                                     for dt in domain_types))
        for guest_arch in guest_arches)
    return """<capabilities>
  <host>
    <uuid>00000000-0000-4000-8000-00000000f00d</uuid>
    <cpu>
      <arch>%(arch)s</arch>
      <model>%(model)s</model>
      <vendor>%(vendor)s</vendor>
      <topology sockets='1' dies='1' cores='4' threads='2'/>%(maxphysaddr)s
      <feature name='vme'/>
      <feature name='avx2'/>
    </cpu>
  </host>%(guests)s
</capabilities>
""" % {'arch': arch, 'model': model, 'vendor': vendor,
       'maxphysaddr': maxphysaddr, 'guests': guests}


class Domain:
    """A defined guest; starts only if the connection lets it."""

    def __init__(self, conn: Connection, xml: str, name: str,
                 uuid: str) -> None:
        self._conn = conn
        self._xml = xml
        self._name = name
        self._uuid = uuid
        self._active = False
        self._persistent = True

    def name(self) -> str:
        return self._name

    def UUIDString(self) -> str:  # noqa: N802
        return self._uuid

    def XMLDesc(self, flags: int = 0) -> str:  # noqa: N802
        return self._xml

    def isActive(self) -> int:  # noqa: N802
        return int(self._active)

    def isPersistent(self) -> int:  # noqa: N802
        return int(self._persistent)

    def create(self) -> int:
        if self._active:
            raise libvirtError('fake libvirt: domain is already running',
                               VIR_ERR_OPERATION_INVALID)
        if self._conn.start_error is not None:
            raise libvirtError(self._conn.start_error,
                               VIR_ERR_INTERNAL_ERROR)
        root = etree.fromstring(self._xml.encode())
        if (root.find('cpu/maxphysaddr') is not None and
                root.find('os/type').get('arch') not in LONG_MODE_ARCHES):
            # libvirt defines it; QEMU refuses to start it (QEMU 7.2).
            raise libvirtError(
                'fake libvirt: qemu: phys-bits is not user-configurable in '
                '32 bit', VIR_ERR_INTERNAL_ERROR)
        self._active = True
        return 0

    def destroy(self) -> int:
        if not self._active:
            raise libvirtError('fake libvirt: domain is not running',
                               VIR_ERR_OPERATION_INVALID)
        self._active = False
        if not self._persistent:
            self._conn.domains.remove(self)
        return 0

    def undefine(self) -> int:
        if self._conn.undefine_error is not None:
            raise libvirtError(self._conn.undefine_error,
                               VIR_ERR_OPERATION_FAILED)
        if not self._persistent:
            raise libvirtError('fake libvirt: cannot undefine transient '
                               'domain', VIR_ERR_OPERATION_INVALID)
        self._persistent = False
        if not self._active:
            self._conn.domains.remove(self)
        return 0


class Connection:
    """``virConnect`` with the host facts as plain attributes."""

    def __init__(self, uri: str = 'qemu:///system',
                 libversion: Any = 9000000, hv_version: Any = 7002000,
                 hv_type: str = 'QEMU', hostname: str = 'compute1',
                 capabilities: str | None = None, memory_mb: int = 65536,
                 cpus: int = 8) -> None:
        self.uri = uri
        self.libversion = libversion
        self.hv_version = hv_version
        self.hv_type = hv_type
        self.hostname = hostname
        self.capabilities = (capabilities if capabilities is not None
                             else host_capabilities_xml())
        self.memory_mb = memory_mb
        self.cpus = cpus
        # Set to a message to make Domain.create() / undefine() fail.
        self.start_error: str | None = None
        self.undefine_error: str | None = None
        self.domains: list[Domain] = []
        self.defined: list[str] = []
        self.closed = False
        self.opens = 0
        self.capabilities_calls = 0

    # --- host facts ---

    def getLibVersion(self) -> Any:  # noqa: N802
        return self.libversion

    def getVersion(self) -> Any:  # noqa: N802
        return self.hv_version

    def getType(self) -> str:  # noqa: N802
        return self.hv_type

    def getHostname(self) -> str:  # noqa: N802
        return self.hostname

    def getCapabilities(self) -> str:  # noqa: N802
        self.capabilities_calls += 1
        return self.capabilities

    def getInfo(self) -> list:  # noqa: N802
        # libvirt's answer does not depend on the capabilities document, so
        # a document the code under test must refuse cannot break this call.
        try:
            arch = etree.fromstring(self.capabilities.encode()).findtext(
                'host/cpu/arch')
        except etree.XMLSyntaxError:
            arch = None
        return [arch, self.memory_mb, self.cpus, 2400, 1, 1, self.cpus, 1]

    def close(self) -> int:
        self.closed = True
        return 0

    # --- domains ---

    def _host_maxphysaddr_bits(self) -> int | None:
        node = etree.fromstring(self.capabilities.encode()).find(
            'host/cpu/maxphysaddr')
        bits = node.get('bits') if node is not None else None
        return int(bits) if bits and bits.isdigit() else None

    def _validate_maxphysaddr(self, root: etree._Element) -> None:
        """The QEMU driver's checks (libvirt qemu_validate.c, 8.7+)."""
        node = root.find('cpu/maxphysaddr')
        if node is None or self.hv_type != 'QEMU':
            return
        mode, bits = node.get('mode'), node.get('bits')
        arch = root.find('os/type').get('arch')

        def refuse(reason: str) -> libvirtError:
            return libvirtError('fake libvirt: unsupported configuration: ' +
                                reason, VIR_ERR_CONFIG_UNSUPPORTED)

        if arch not in X86_ARCHES:
            raise refuse('no maxphysaddr for %s guests' % arch)
        if mode == 'emulate' and bits is None:
            raise refuse("mode='emulate' needs bits")
        if mode == 'passthrough' and bits is not None:
            raise refuse("mode='passthrough' takes no bits")
        if mode == 'passthrough' and \
                root.find('cpu').get('mode') != 'host-passthrough' and \
                self.libversion < PASSTHROUGH_ANY_CPU_LIBVERSION:
            raise refuse("mode='passthrough' needs a host-passthrough CPU")
        host_bits = self._host_maxphysaddr_bits()
        if bits is not None and host_bits is not None and \
                int(bits) > host_bits:
            raise refuse('bits above the host CPU\'s %d' % host_bits)

    def defineXML(self, xml: str) -> Domain:  # noqa: N802
        try:
            root = etree.fromstring(xml.encode())
        except etree.XMLSyntaxError as exc:
            raise libvirtError('fake libvirt: XML error: %s' % exc,
                               VIR_ERR_XML_ERROR)
        name = root.findtext('name')
        if root.tag != 'domain' or not name or root.find('os/type') is None:
            raise libvirtError('fake libvirt: XML error: not a domain with '
                               'a name and an os type', VIR_ERR_XML_ERROR)
        self._validate_maxphysaddr(root)
        uuid = root.findtext('uuid') or str(uuid_lib.uuid4())
        for domain in self.domains:
            if domain.name() == name and domain.UUIDString() != uuid:
                raise libvirtError('fake libvirt: domain %s already exists '
                                   'with another UUID' % name,
                                   VIR_ERR_OPERATION_FAILED)
            if domain.UUIDString() == uuid:
                domain._xml = xml
                domain._persistent = True
                self.defined.append(xml)
                return domain
        domain = Domain(self, xml, name, uuid)
        self.domains.append(domain)
        self.defined.append(xml)
        return domain

    def lookupByUUIDString(self, uuid: str) -> Domain:  # noqa: N802
        for domain in self.domains:
            if domain.UUIDString() == uuid:
                return domain
        raise libvirtError('fake libvirt: Domain not found',
                           VIR_ERR_NO_DOMAIN)

    def lookupByName(self, name: str) -> Domain:  # noqa: N802
        for domain in self.domains:
            if domain.name() == name:
                return domain
        raise libvirtError('fake libvirt: Domain not found',
                           VIR_ERR_NO_DOMAIN)

    def listAllDomains(self, flags: int = 0) -> list[Domain]:  # noqa: N802
        return list(self.domains)


# The connection open() hands out; use_fake_libvirt() sets it per test.
_connection: Connection | None = None
# Set to a message to make open() fail like an unreachable libvirtd.
_open_error: str | None = None


def open(uri: str) -> Connection:  # noqa: A001 (libvirt's own name)
    if _open_error is not None:
        raise libvirtError(_open_error, VIR_ERR_OPERATION_FAILED)
    assert _connection is not None, 'use use_fake_libvirt() in setUp'
    _connection.uri = uri
    _connection.opens += 1
    return _connection


def use_fake_libvirt(test: Any, **settings: Any) -> Connection:
    """Make the libvirt driver and host use this fake for one test.

    :param settings: :class:`Connection` attributes
    :returns: the connection ``libvirt.open()`` will return
    """
    import sys

    module = sys.modules[__name__]
    conn = Connection(**settings)
    for target, value in (
            ('nova.virt.libvirt.host.libvirt', module),
            ('nova.virt.libvirt.driver.libvirt', module),
            ('nova.virt.libvirt.guest.libvirt', module),
            (__name__ + '._connection', conn),
            (__name__ + '._open_error', None)):
        patcher = mock.patch(target, value)
        patcher.start()
        test.addCleanup(patcher.stop)
    return conn
