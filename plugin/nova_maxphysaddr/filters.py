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

"""Scheduler filters for upstream Nova 34.

``MaxPhysAddrImagePropertiesFilter`` replaces Nova's
``ImagePropertiesFilter``: Nova's own checks, run by Nova's own code, on a
host whose ``cpu_info`` has been decoded.  (Nova finds enabled filters by
class name; a second class named ``ImagePropertiesFilter`` would replace
Nova's or not depending on the order of ``available_filters``.)  Nova's
version compares ``hw_maxphysaddr_bits`` by calling ``.get()`` on
``cpu_info``, which the scheduler holds as the JSON string the compute node
stored, so any image with the property and an architecture sends the server
to ERROR.

``MaxPhysAddrFilter`` applies the whole rule set that Nova 34 lacks (the
same rules as the nova-maxphysaddr tree): flavor/image conflicts, emulate
without bits, passthrough with bits, bits without a mode, RAM too large for
the bits, and the host's width, failing closed when a host does not report
one.  The reasons are logged at INFO once per request (per host at DEBUG).
"""

from __future__ import annotations

import collections
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from nova.scheduler import filters
from nova.scheduler.filters import image_props_filter
from nova.scheduler import utils as scheduler_utils
from oslo_log import log as logging

from nova_maxphysaddr import guest
from nova_maxphysaddr.rules import errors
from nova_maxphysaddr.rules import host as host_rules
from nova_maxphysaddr.rules import values

LOG = logging.getLogger(__name__)

# Distinct refusal reasons in the per-request INFO line.
REASONS_LOGGED = 3


class _HostWidths:
    """Each compute node's width, decoded once per ``cpu_info`` it reports.

    Nova builds new host states for every request, but a node's
    ``cpu_info`` string stays the same between its resource tracker's
    updates: an equal string skips the JSON decode.  One entry per compute
    node the scheduler has seen.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], tuple[Any, dict[str, Any],
                                                int | None,
                                                str | None]] = {}

    def lookup(self, host_state: Any
               ) -> tuple[dict[str, Any], int | None, str | None]:
        """``(cpu_info as a dict, width or None, why it is unknown)``."""
        raw = host_state.cpu_info
        key = (host_state.host, host_state.nodename)
        seen = self._seen.get(key)
        if seen is not None and (seen[0] is raw or seen[0] == raw):
            return seen[1], seen[2], seen[3]
        cpu_info, reason = host_rules.decode_cpu_info(raw)
        bits = None
        if reason is None:
            bits, reason = host_rules.read_width(cpu_info)
        if not isinstance(cpu_info.get(host_rules.CPU_INFO_KEY, {}),
                          Mapping):
            # Nova's filter calls .get() on it.
            del cpu_info[host_rules.CPU_INFO_KEY]
        self._seen[key] = (raw, cpu_info, bits, reason)
        return cpu_info, bits, reason


class _DecodedHost:
    """A host state whose ``cpu_info`` is a dict, for Nova's filter code."""

    def __init__(self, host_state: Any, cpu_info: dict[str, Any]) -> None:
        self._host_state = host_state
        self.cpu_info = cpu_info

    def __getattr__(self, name: str) -> Any:
        return getattr(self._host_state, name)

    def __repr__(self) -> str:
        return repr(self._host_state)


def _image_props(spec_obj: Any) -> Any:
    image = spec_obj.obj_attr_is_set('image') and spec_obj.image
    if not image or not image.obj_attr_is_set('properties'):
        return None
    return image.properties


class MaxPhysAddrImagePropertiesFilter(
        image_props_filter.ImagePropertiesFilter):
    """Nova's ImagePropertiesFilter, on decoded ``cpu_info``."""

    def __init__(self) -> None:
        super().__init__()
        self._widths = _HostWidths()

    def host_passes(self, host_state: Any, spec_obj: Any) -> bool:
        props = _image_props(spec_obj)
        if props is not None and props.get(values.IMAGE_BITS_KEY) is not None:
            # Only Nova's bits comparison reads cpu_info.
            host_state = _DecodedHost(host_state,
                                      self._widths.lookup(host_state)[0])
        return bool(super().host_passes(host_state, spec_obj))


class MaxPhysAddrFilter(filters.BaseHostFilter):
    """Hosts that can give the guest the physical address width it asks.

    Also run on rebuild: a new image can bring a new request.  The request
    is resolved once per request spec; a request that can never boot
    fails every host with one log line, not one per host.
    """

    RUN_ON_REBUILD = True
    # A host's width does not change within a request.
    run_filter_once_per_request = True

    def __init__(self) -> None:
        super().__init__()
        self._widths = _HostWidths()
        self._last: tuple[Any, Any, Any, Any] | None = None

    def _resolved(self, spec_obj: Any) -> Any:
        """``(request, layout)``, None for no request; raises RuleError."""
        if not spec_obj.obj_attr_is_set('flavor'):
            return None
        flavor = spec_obj.flavor
        image = spec_obj.image if spec_obj.obj_attr_is_set('image') else None
        last = self._last
        if last is not None and last[0] is spec_obj and \
                last[1] is flavor and last[2] is image:
            outcome = last[3]
        else:
            props = _image_props(spec_obj)
            try:
                request = guest.resolve(flavor.memory_mb,
                                        flavor.extra_specs, props)
                outcome = None if request is None else (
                    request, guest.layout(flavor.memory_mb, props))
            except errors.RuleError as exc:
                outcome = exc
            self._last = (spec_obj, flavor, image, outcome)
        if isinstance(outcome, errors.RuleError):
            raise outcome
        return outcome

    def _refusal(self, host_state: Any, resolved: Any,
                 spec_obj: Any) -> str | None:
        request, layout = resolved
        _cpu_info, bits, reason = self._widths.lookup(host_state)
        if bits is None and request.is_passthrough and \
                scheduler_utils.request_is_rebuild(spec_obj):
            # Placement, whose required trait vouches for passthrough
            # hosts, is not asked on rebuild.
            return ('host physical address width is unknown (%s); a '
                    'passthrough guest cannot be checked on rebuild' % reason)
        return host_rules.width_refusal(request, layout, bits, reason)

    def host_passes(self, host_state: Any, spec_obj: Any) -> bool:
        try:
            resolved = self._resolved(spec_obj)
        except errors.RuleError as exc:
            LOG.debug('%s fails MaxPhysAddrFilter: %s', host_state, exc)
            return False
        if resolved is None:
            return True
        refusal = self._refusal(host_state, resolved, spec_obj)
        if refusal is not None:
            LOG.debug('%s fails MaxPhysAddrFilter: %s', host_state, refusal)
            return False
        return True

    def filter_all(self, filter_obj_list: Iterable[Any],
                   spec_obj: Any) -> list[Any]:
        """The hosts that pass, with the reasons for the others logged at
        INFO once per request (each host's at DEBUG)."""
        try:
            resolved = self._resolved(spec_obj)
        except errors.RuleError as exc:
            LOG.info('MaxPhysAddrFilter: no host can take this request: %s',
                     exc)
            return []
        hosts = list(filter_obj_list)
        if resolved is None:
            return hosts
        passed = []
        refusals: collections.Counter[str] = collections.Counter()
        for host_state in hosts:
            refusal = self._refusal(host_state, resolved, spec_obj)
            if refusal is None:
                passed.append(host_state)
                continue
            LOG.debug('%s fails MaxPhysAddrFilter: %s', host_state, refusal)
            refusals[refusal] += 1
        if refusals:
            LOG.info('MaxPhysAddrFilter refused %d of %d hosts: %s',
                     sum(refusals.values()), len(hosts), '; '.join(
                         '%s (%d hosts)' % (reason, count) for reason, count
                         in refusals.most_common(REASONS_LOGGED)))
        return passed
