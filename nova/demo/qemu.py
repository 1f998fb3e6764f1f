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

"""What QEMU actually gave a running guest, and why it refused one.

The domain XML says what we asked for; these helpers read back what QEMU
did with it, so that the main job and the end-to-end tests show QEMU's
effective physical address width rather than our own intention:

* :meth:`QEMUGuest.get_phys_bits` asks QEMU over QMP (``query-cpus-fast``
  for the first vCPU's QOM path, then ``qom-get`` of its ``phys-bits``,
  ``host-phys-bits`` and ``host-phys-bits-limit`` properties; other
  properties, such as the ``vendor`` the sizing rule depends on, through
  :meth:`QEMUGuest.get_cpu_property`);
* :meth:`QEMUGuest.get_qemu_cpu_arg` reads the ``-cpu`` argument libvirt
  put on QEMU's command line (``/proc/<pid>/cmdline``);
* :func:`find_phys_bits_too_low` recognises QEMU's refusal to start a guest
  whose memory map does not fit its address width (QEMU >= 7.1,
  ``hw/i386/pc.c``), which libvirt passes on inside its own error text.

QMP commands sent through libvirt mark the domain as tainted
("custom-monitor") in its log; that is harmless for a guest we only inspect.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from typing import Any

import libvirt
import libvirt_qemu
from oslo_log import log as logging

from nova import exception
from nova.virt.libvirt import guest as libvirt_guest

LOG = logging.getLogger(__name__)

PROC = '/proc'
# x86 CPU properties (QEMU >= 2.7.0; the limit since 4.1.0).
PHYS_BITS_PROP = 'phys-bits'
HOST_PHYS_BITS_PROP = 'host-phys-bits'
HOST_PHYS_BITS_LIMIT_PROP = 'host-phys-bits-limit'

# QEMU's message when RAM, hotplug region and 64-bit PCI window end above
# 2**phys-bits: the highest reachable address, the highest address needed,
# and the width.
_PHYS_BITS_TOO_LOW_RE = re.compile(
    r'Address space limit (0x[0-9a-fA-F]+) < (0x[0-9a-fA-F]+) '
    r'phys-bits too low \((\d+)\)')


@dataclasses.dataclass(frozen=True)
class PhysBitsTooLow:
    """QEMU refused a guest whose address space does not fit its width."""

    limit: int
    """Highest address the guest CPU can reach: ``2**bits - 1``."""
    needed: int
    """Highest address the guest's memory map uses."""
    bits: int
    """The guest CPU's ``phys-bits`` that QEMU refused."""
    qemu_message: str

    @property
    def min_bits(self) -> int:
        """The width QEMU would have accepted for this guest and CPU model."""
        return self.needed.bit_length()


def find_phys_bits_too_low(message: str) -> PhysBitsTooLow | None:
    """Find QEMU's "phys-bits too low" refusal in a libvirt error message.

    libvirt wraps QEMU's stderr ("qemu unexpectedly closed the monitor: ...",
    possibly after TCG feature warnings), so the message is searched, not
    matched whole.  Returns None for any other failure.
    """
    match = _PHYS_BITS_TOO_LOW_RE.search(message or '')
    if match is None:
        return None
    return PhysBitsTooLow(limit=int(match.group(1), 16),
                          needed=int(match.group(2), 16),
                          bits=int(match.group(3)),
                          qemu_message=match.group(0))


@dataclasses.dataclass(frozen=True)
class QEMUPhysBits:
    """The physical address width QEMU gave the guest's vCPU."""

    phys_bits: int
    host_phys_bits: bool
    host_phys_bits_limit: int
    """0 when unset (no limit)."""

    def __str__(self) -> str:
        text = '%s=%d, %s=%s' % (PHYS_BITS_PROP, self.phys_bits,
                                 HOST_PHYS_BITS_PROP,
                                 'on' if self.host_phys_bits else 'off')
        if self.host_phys_bits_limit:
            text += ', %s=%d' % (HOST_PHYS_BITS_LIMIT_PROP,
                                 self.host_phys_bits_limit)
        return text


def parse_cpu_arg(cpu_arg: str) -> tuple[str, dict[str, str]]:
    """Split a QEMU ``-cpu`` value into the model and its properties.

    ``'qemu64,phys-bits=42,+ssse3'`` -> ``('qemu64', {'phys-bits': '42',
    'ssse3': 'on'})``; QEMU's ``,,`` escape stands for a literal comma.
    """
    parts = [p.replace('\0', ',')
             for p in cpu_arg.replace(',,', '\0').split(',')]
    props = {}
    for part in parts[1:]:
        if '=' in part:
            key, value = part.split('=', 1)
        elif part[:1] in '+-':
            key, value = part[1:], 'on' if part[0] == '+' else 'off'
        else:
            key, value = part, 'on'
        props[key] = value
    return parts[0], props


class QEMUGuest:
    """A running guest, asked through libvirt what its QEMU did."""

    def __init__(self, guest: libvirt_guest.Guest) -> None:
        self._guest = guest
        self._domain = guest.domain

    @property
    def name(self) -> str:
        return self._guest.name

    @property
    def uuid(self) -> str:
        return self._guest.uuid

    def get_xml_desc(self) -> str:
        return self._guest.get_xml_desc()

    def _fail(self, what: str, reason: str) -> exception.NovaException:
        return exception.GuestIntrospectionFailed(
            what=what, name=self.name, reason=reason)

    def qmp(self, command: str, **arguments: Any) -> Any:
        """Run one QMP command in the guest's QEMU and return its result."""
        request: dict[str, Any] = {'execute': command}
        if arguments:
            request['arguments'] = arguments
        try:
            reply = json.loads(libvirt_qemu.qemuMonitorCommand(
                self._domain, json.dumps(request), 0))
        except libvirt.libvirtError as exc:
            raise self._fail('QMP %s' % command, str(exc))
        except ValueError as exc:
            raise self._fail('QMP %s' % command,
                             'the reply is not JSON: %s' % exc)
        if 'return' not in reply:
            raise self._fail('QMP %s' % command,
                             'QEMU answered %s' % reply.get('error', reply))
        return reply['return']

    def get_cpu_property(self, name: str) -> Any:
        """One QOM property of the guest's first vCPU (``vendor``, ...).

        Every vCPU of a guest shares one ``-cpu`` definition, so the first
        one speaks for all.  Needs a running guest.
        """
        cpus = self.qmp('query-cpus-fast')
        if not cpus or 'qom-path' not in cpus[0]:
            raise self._fail('the vCPU properties',
                             'QEMU listed no vCPU: %r' % (cpus,))
        return self.qmp('qom-get', path=cpus[0]['qom-path'], property=name)

    def get_phys_bits(self) -> QEMUPhysBits:
        """Ask QEMU for the guest CPU's effective physical address width."""
        return QEMUPhysBits(
            phys_bits=int(self.get_cpu_property(PHYS_BITS_PROP)),
            host_phys_bits=bool(self.get_cpu_property(HOST_PHYS_BITS_PROP)),
            host_phys_bits_limit=int(
                self.get_cpu_property(HOST_PHYS_BITS_LIMIT_PROP)))

    def _find_qemu(self) -> bytes:
        """Find the guest's QEMU process by the UUID on its command line.

        libvirt has no API for the PID; every QEMU it starts gets
        ``-uuid <uuid>``, whichever driver (system daemon or embedded)
        started it.
        """
        needle = b'\0-uuid\0' + self.uuid.encode() + b'\0'
        for entry in os.listdir(PROC):
            if not entry.isdigit():
                continue
            try:
                with open(os.path.join(PROC, entry, 'cmdline'), 'rb') as f:
                    cmdline = f.read()
            except OSError:
                continue  # the process ended while we looked
            if needle in cmdline:
                return cmdline
        raise self._fail('the QEMU process',
                         'no process has -uuid %s on its command line '
                         '(is the guest running on this host?)' % self.uuid)

    def get_qemu_cmdline(self) -> list[str]:
        return [arg.decode(errors='replace')
                for arg in self._find_qemu().split(b'\0') if arg]

    def get_qemu_cpu_arg(self) -> str:
        """The ``-cpu`` value libvirt gave QEMU: ``qemu64,phys-bits=42``."""
        args = self.get_qemu_cmdline()
        try:
            return args[args.index('-cpu') + 1]
        except (ValueError, IndexError):
            raise self._fail('the QEMU -cpu argument',
                             'QEMU was started without -cpu: %s' %
                             ' '.join(args))
