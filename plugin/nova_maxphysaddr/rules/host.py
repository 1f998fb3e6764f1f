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

"""A compute host's physical address width: how it is published in
``cpu_info``, how it is read back, and whether it can honour a request.

The libvirt driver writes ``cpu_info['maxphysaddr'] = {'mode': ..., 'bits':
N}`` with :func:`cpu_info_entry`; the scheduler and the operator tools read
it with :func:`read_width`.  ``cpu_info`` reaches the scheduler as the JSON
string the compute node record stores (tests and tools may hand over a
dict): anything that is not a plain integer width counts as unknown, and a
request that needs a width fails closed on it, with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
import json
from typing import Any

from nova_maxphysaddr.rules import request as request_rules
from nova_maxphysaddr.rules import sizing
from nova_maxphysaddr.rules import values

CPU_INFO_KEY = 'maxphysaddr'
CPU_INFO_MODE = 'mode'
CPU_INFO_BITS = 'bits'

# A host CPU's width as libvirt reports it is at most the width of an
# address; anything else is junk.
HOST_BITS_MIN = 1
HOST_BITS_MAX = 64


def cpu_info_entry(mode: str | None, bits: int | None) -> dict[str, Any]:
    """``cpu_info['maxphysaddr']`` for a host whose capabilities report
    ``<maxphysaddr mode=... bits=.../>`` (None for a value libvirt wrote
    that cannot be used)."""
    return {CPU_INFO_MODE: mode, CPU_INFO_BITS: bits}


def decode_cpu_info(value: Any) -> tuple[dict[str, Any], str | None]:
    """``cpu_info`` as a dict, and why it is unusable (or None).

    :param value: the stored JSON string, a mapping, or None
    """
    if value is None:
        return {}, 'cpu_info is not reported'
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError) as exc:
            return {}, 'cpu_info is not valid JSON (%s)' % exc
    if not isinstance(value, Mapping):
        return {}, 'cpu_info is a %s, not a JSON object' % (
            type(value).__name__)
    return dict(value), None


def read_width(cpu_info: Mapping[str, Any]) -> tuple[int | None, str | None]:
    """The host's width from decoded ``cpu_info``: ``(bits, None)``, or
    ``(None, why it is unknown)``."""
    entry = cpu_info.get(CPU_INFO_KEY)
    if entry is None:
        return None, 'cpu_info has no %s' % CPU_INFO_KEY
    if not isinstance(entry, Mapping):
        return None, 'cpu_info %s is %r, not an object' % (CPU_INFO_KEY,
                                                           entry)
    raw = entry.get(CPU_INFO_BITS)
    if raw is None:
        return None, 'cpu_info %s has no %s' % (CPU_INFO_KEY, CPU_INFO_BITS)
    try:
        return values.strict_int(raw, HOST_BITS_MIN, HOST_BITS_MAX), None
    except ValueError as exc:
        return None, 'cpu_info %s %s is %r: %s' % (
            CPU_INFO_KEY, CPU_INFO_BITS, raw, exc)


def width_refusal(request: request_rules.MaxPhysAddrRequest,
                  layout: sizing.GuestLayout, host_bits: int | None,
                  unknown_reason: str | None = None) -> str | None:
    """Why a host of width ``host_bits`` cannot give the guest (of
    ``layout``) its request, or None when it can: the one host-width rule
    of the filters and the driver.

    ``emulate`` needs at least the requested bits, and an unknown width
    cannot be trusted with them.  ``passthrough`` gives the guest the
    host's own width, which must hold the guest's address space; with the
    width unknown there is nothing to compare, and the required trait
    decides.
    """
    if request.bits is not None:
        if host_bits is None:
            return ('host physical address width is unknown (%s); the guest '
                    '(%s) needs at least %d bits' % (
                        unknown_reason or 'not reported', request,
                        request.bits))
        if host_bits < request.bits:
            return ('host has %d physical address bits; the guest (%s) '
                    'needs at least %d bits' % (host_bits, request,
                                                request.bits))
        return None
    if host_bits is None or sizing.bits_fit(layout, host_bits):
        return None
    return ('host has %d physical address bits; the guest (%s) would get '
            'them, too few for its %d MiB of RAM (it needs at least %d)' % (
                host_bits, request, layout.memory_mb,
                sizing.min_bits(layout)))
