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

"""Extra-spec validators for ``hw:maxphysaddr_mode`` and ``_bits``.

Nova 34 ships no validator for either key, so its API refuses both at
microversion 2.86 and later ("does not appear to be a valid extra spec").
Nova loads these through its ``nova.api.extra_spec_validators`` entry
point; they refuse exactly what the rules refuse, with the rules' message.
"""

from __future__ import annotations

from collections.abc import Callable
import dataclasses
import re
from typing import Any

from nova.api.validation.extra_specs import base
from nova import exception

from nova_maxphysaddr.rules import errors
from nova_maxphysaddr.rules import values


@dataclasses.dataclass
class RuleValidator(base.ExtraSpecValidator):
    """A Nova validator whose value check is one of the shared parsers.

    Nova's own value checks (``int()`` and a range) take ``' 42'`` and
    ``'4_2'``; the shared parser is strict, and its message (the
    nova-maxphysaddr tree's, word for word) names key, value and what is
    allowed.  ``value`` still describes the key for Nova's docs and API.
    """

    parse: Callable[[Any], Any] = values.parse_mode

    def validate(self, name: str, value: str) -> None:
        if not re.fullmatch(self.name_regex, name):
            raise exception.ValidationError(
                'Validation failed; %r is not %s' % (name, self.name))
        try:
            self.parse(value)
        except ValueError as exc:
            raise exception.ValidationError(str(errors.InvalidFlavorValue(
                key=name, value=value, reason=str(exc))))


def register() -> list[base.ExtraSpecValidator]:
    """Nova's plugin hook: the validators this distribution adds."""
    return [
        RuleValidator(
            name=values.FLAVOR_MODE_KEY,
            description=(
                "The guest's physical address width: 'emulate' (the width "
                "in hw:maxphysaddr_bits, on hosts with trait "
                "COMPUTE_ADDRESS_SPACE_EMULATED) or 'passthrough' (the host "
                "CPU's width, on hosts with COMPUTE_ADDRESS_SPACE_"
                "PASSTHROUGH)."),
            value={'type': str, 'enum': list(values.MODES)},
            parse=values.parse_mode),
        RuleValidator(
            name=values.FLAVOR_BITS_KEY,
            description=(
                'Physical address bits of an emulate guest (%s); guests '
                'with more RAM need more.' % values.bits_allowed()),
            value={'type': int, 'min': values.BITS_MIN,
                   'max': values.BITS_MAX},
            parse=values.parse_bits),
    ]
