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

"""ComputeCapabilitiesFilter: the flavor's ``capabilities:`` extra specs.

``capabilities:<attribute>[:<key>...]=<requirement>`` compares a host
attribute (``cpu_info``, ``hypervisor_type``, ... or a ``stats`` entry),
walking into nested objects and JSON-encoded strings, with the operators of
:mod:`nova.api.validation.extra_specs.operators` (Nova's
``extra_specs_ops``).

The flavor's ``hw:maxphysaddr_bits=N`` works as if
``capabilities:cpu_info:maxphysaddr:bits>=N`` were set (the spec's
wording), except that the width is the one ``HostState`` validated, so an
unknown or junk width fails closed here and in ImagePropertiesFilter alike.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from oslo_log import log as logging

from nova.api.validation.extra_specs import operators
from nova.scheduler import filters
from nova.scheduler.filters import maxphysaddr
from nova.scheduler import host_manager

LOG = logging.getLogger(__name__)

CAPABILITIES_PREFIX = 'capabilities:'
SCOPE_SEPARATOR = ':'
# Capabilities HostState has already read and validated: a hand-written
# ``capabilities:cpu_info:maxphysaddr:bits`` judges a junk width as
# unknown, exactly as ``hw:maxphysaddr_bits`` does.
VALIDATED_CAPABILITIES: dict[tuple[str, ...], str] = {
    ('cpu_info', 'maxphysaddr', 'bits'): 'maxphysaddr_bits',
}
_MISSING = object()


def _lookup(scope: tuple[str, ...],
            host_state: host_manager.HostState) -> Any:
    """The host's value at ``scope``, or ``_MISSING``."""
    first = scope[0]
    if first in host_manager.CAPABILITY_ATTRIBUTES:
        value = getattr(host_state, first, None)
    else:
        stats = getattr(host_state, 'stats', None)
        value = stats.get(first) if isinstance(stats, dict) else None
    for name in scope[1:]:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except (ValueError, RecursionError):
                return _MISSING
        if not isinstance(value, dict):
            return _MISSING
        value = value.get(name)
    return _MISSING if value is None else value


def _validated_lookup(attribute: str,
                      host_state: host_manager.HostState) -> Any:
    value = getattr(host_state, attribute, None)
    return _MISSING if value is None else value


def _capability_check(key: str, req: str) -> filters.HostCheck:
    """The check for one ``capabilities:`` extra spec.

    :raises ValueError: when ``req`` is not a valid requirement.
    """
    scope = tuple(key[len(CAPABILITIES_PREFIX):].split(SCOPE_SEPARATOR))
    if not all(scope):
        raise ValueError('the capability path has an empty part')
    matches = operators.compile_requirement(req)
    validated = VALIDATED_CAPABILITIES.get(scope)
    if validated is not None:
        lookup = functools.partial(_validated_lookup, validated)
    else:
        lookup = functools.partial(_lookup, scope)

    def check(host_state: host_manager.HostState) -> str | None:
        value = lookup(host_state)
        if value is _MISSING:
            return 'host does not report %s (flavor extra spec %s=%r)' % (
                SCOPE_SEPARATOR.join(scope), key, req)
        if not matches(value):
            return 'host %s is %r, which does not satisfy %s=%r' % (
                SCOPE_SEPARATOR.join(scope), value, key, req)
        return None
    return check


class ComputeCapabilitiesFilter(filters.BaseHostFilter):
    """Hosts whose capabilities satisfy the flavor's extra specs."""

    def prepare(self, spec_obj: Any) -> filters.HostCheck | None:
        flavor = spec_obj.flavor
        checks = []
        for key, req in (flavor.extra_specs or {}).items():
            if not key.startswith(CAPABILITIES_PREFIX):
                continue
            try:
                checks.append(_capability_check(key, req))
            except ValueError as exc:
                reason = 'flavor extra spec %s=%r is invalid: %s' % (
                    key, req, exc)
                LOG.warning('Rejecting every host: %s', reason)
                return filters.reject_all(reason)
        bits_check = maxphysaddr.width_check(flavor, spec_obj.image)
        if bits_check is not None:
            checks.insert(0, bits_check)
        return filters.combine(checks)
