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

"""Run the enabled host filters over the host states, keeping the reasons.

Operators need to see *why* a host was not chosen, so the handler returns
every rejection with the filter's own reason rather than just the
survivors.  Each filter parses the request once per call; only the per-host
check runs per host.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any
from typing import NamedTuple

from oslo_log import log as logging

from nova import exception
from nova.scheduler import filters
from nova.scheduler.filters import compute_capabilities_filter
from nova.scheduler.filters import image_props_filter
from nova.scheduler import host_manager

LOG = logging.getLogger(__name__)

FILTER_CLASSES: dict[str, type[filters.BaseHostFilter]] = {
    cls.__name__: cls for cls in (
        compute_capabilities_filter.ComputeCapabilitiesFilter,
        image_props_filter.ImagePropertiesFilter,
    )
}
# Both are in Nova's default ``[filter_scheduler]enabled_filters``.
DEFAULT_FILTERS = tuple(FILTER_CLASSES)


class Rejection(NamedTuple):
    host_state: host_manager.HostState
    filter_name: str
    reason: str


_new_tuple = tuple.__new__


def get_filters(names: Iterable[str] = DEFAULT_FILTERS
                ) -> list[filters.BaseHostFilter]:
    """Instantiate filters by class name, in the order given.

    :raises SchedulerHostFilterNotFound: for a name that is not a filter.
    """
    result = []
    for name in names:
        if name not in FILTER_CLASSES:
            raise exception.SchedulerHostFilterNotFound(
                filter_name=name, known=', '.join(sorted(FILTER_CLASSES)))
        result.append(FILTER_CLASSES[name]())
    return result


def get_filtered_hosts(host_states: Iterable[host_manager.HostState],
                       spec_obj: Any,
                       host_filters: Sequence[filters.BaseHostFilter]
                       ) -> tuple[list[host_manager.HostState],
                                  list[Rejection]]:
    """The hosts that pass every filter, and why each other one did not.

    Filters run in order over the hosts still in the running, as in Nova,
    so each rejected host has exactly one rejection: the first filter that
    refused it.
    """
    hosts = list(host_states)
    rejections: list[Rejection] = []
    reject = rejections.append
    debug = LOG.isEnabledFor(logging.DEBUG)
    for host_filter in host_filters:
        check = filters.prepare_safely(host_filter, spec_obj)
        if check is None:
            continue
        widths, rest = filters.split(check)
        name = host_filter.name
        passed: list[host_manager.HostState] = []
        keep = passed.append
        for host_state in hosts:
            # As BaseHostFilter.host_passes() does it, for the same reason:
            # this is the hot path.
            try:
                if widths is None:
                    reason = check(host_state)
                else:
                    bits = host_state.maxphysaddr_bits
                    reason = widths[bits] if bits is not None else \
                        widths.unknown[host_state.maxphysaddr_unknown_reason]
                    if reason is None and rest is not None:
                        reason = rest(host_state)
            except Exception as exc:
                reason = filters.check_failed(host_state, exc)
            if reason is None:
                keep(host_state)
                continue
            # Rejection(...) without the Python-level __new__ of a
            # NamedTuple: one per rejected host.
            reject(_new_tuple(Rejection, (host_state, name, reason)))
            if debug:
                LOG.debug('%s fails %s: %s', host_state, name, reason)
        hosts = passed
    return hosts, rejections
