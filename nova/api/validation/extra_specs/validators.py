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

"""The registry of flavor extra spec validators, and the checks that use it.

A key in a registered namespace (``hw``, ``trait``, ``capabilities``) must
match a validator, or it is rejected as unknown: a typo such as
``hw:maxphysaddr_bit`` fails loudly instead of doing nothing.  Keys in other
namespaces belong to other services and filters and pass through.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from nova.api.validation.extra_specs import base
from nova.api.validation.extra_specs import capabilities
from nova.api.validation.extra_specs import guest_devices
from nova.api.validation.extra_specs import hw
from nova.api.validation.extra_specs import traits
from nova import exception

_MODULES = (capabilities, guest_devices, hw, traits)

# Placeholders allowed in validator names, and what each may stand for.
_PARAMETER_PATTERNS = {
    'trait': traits.TRAIT_NAME_PATTERN,
    # One or more non-empty parts separated by ':'.
    'attribute': r'[^:\s]+(?::[^:\s]+)*',
    'num': r'\d+',
}

# Extra specs Nova 34's API validates that this tree does not model: keys
# in these namespaces (or these bare keys) are passed on as "not checked",
# never accepted or refused in Nova's name.  A regular expression for the
# part before the first ':'.
NOT_CHECKED = re.compile(
    r'(accel|aggregate_instance_extra_specs|quota|vmware'
    r'|resources[a-zA-Z0-9_-]{0,64}|trait[a-zA-Z0-9_-]{1,64}'
    r'|group_policy|hide_hypervisor_id)\Z')

# ``hw_foo`` is how images spell the flavor's ``hw:foo``.
_IMAGE_SPELLING_PREFIX = 'hw_'

# Why a key of a patterned namespace matches no validator, when there is
# more to say than "unknown".
_UNKNOWN_KEY_REASONS = {
    'trait': 'not a trait name; trait names match %s'
             % traits.TRAIT_NAME_PATTERN,
}

VALIDATORS: dict[str, base.ExtraSpecValidator] = {}
_PATTERNED: list[tuple[re.Pattern, base.ExtraSpecValidator]] = []
NAMESPACES: set[str] = set()


def _placeholder(match: re.Match) -> str:
    return '(?:%s)' % _PARAMETER_PATTERNS[match.group(1)]


def _load() -> None:
    for module in _MODULES:
        for validator in module.register():
            if validator.name in VALIDATORS:
                raise ValueError('duplicate validator %s' % validator.name)
            VALIDATORS[validator.name] = validator
            NAMESPACES.add(validator.namespace)
            if '{' in validator.name:
                regex = re.sub(r'\\\{(\w+)\\\}', _placeholder,
                               re.escape(validator.name))
                _PATTERNED.append((re.compile(regex + r'\Z'), validator))


def get_validator(name: str) -> base.ExtraSpecValidator | None:
    """The validator for ``name``, or None if no validator claims it."""
    validator = VALIDATORS.get(name)
    if validator is not None:
        return validator
    for regex, validator in _PATTERNED:
        if regex.match(name):
            return validator
    return None


def validate(name: str, value: Any) -> None:
    """Check one extra spec; raise ValidationError if it is not allowed."""
    validator = get_validator(name)
    if validator is not None:
        validator.validate(name, value)
        return
    namespace = name.split(':', 1)[0] if ':' in name else ''
    if not namespace and name.startswith(_IMAGE_SPELLING_PREFIX):
        flavor_name = name.replace('_', ':', 1)
        if flavor_name in VALIDATORS:
            # The image property's spelling: without this it would do
            # nothing, as any key outside our namespaces.
            raise exception.ValidationError(
                key=name, value=value,
                reason='that is the image property spelling; the flavor '
                       'extra spec is %s' % flavor_name)
    if namespace in NAMESPACES:
        raise exception.ValidationError(
            key=name, value=value, reason=_UNKNOWN_KEY_REASONS.get(
                namespace, "unknown key in the '%s' namespace" % namespace))


def validate_all(extra_specs: Mapping[str, Any]) -> list[str]:
    """Check a whole flavor's extra specs, as the API does on create/set.

    :returns: the keys Nova validates that this tree does not (see
        :data:`NOT_CHECKED`), so callers can say so
    :raises ValidationError: for the first key that is not allowed
    """
    unchecked = []
    for name, value in extra_specs.items():
        validate(name, value)
        if is_not_checked(name):
            unchecked.append(name)
    return sorted(unchecked)


def is_not_checked(name: str) -> bool:
    """Whether Nova would validate ``name`` but this tree does not."""
    if get_validator(name) is not None:
        return False
    return bool(NOT_CHECKED.match(name.split(':', 1)[0]))


_load()
