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

"""The extra spec validator type: what one flavor extra spec may hold."""

from __future__ import annotations

from collections.abc import Callable
import dataclasses
import re
from typing import Any

from nova_maxphysaddr.rules import values
from oslo_utils import strutils

from nova import exception


@dataclasses.dataclass(frozen=True)
class ExtraSpecValidator:
    """Describes one extra spec key and checks its values.

    ``value`` says what the value may be: ``type`` (``int``, ``str`` or
    ``bool``) and optionally ``enum``, ``min``, ``max`` or ``pattern``, plus a
    ``description``.  The same description feeds the docs, so they cannot
    drift from what the API enforces.
    """

    name: str
    description: str
    value: dict[str, Any]
    deprecated: bool = False
    # Further checks of (key as set, typed value) that the value schema
    # cannot say; raises ValueError with the reason.
    check: Callable[[str, Any], None] | None = None

    def __post_init__(self) -> None:
        if self.value.get('type') not in (int, str, bool):
            raise ValueError('%s: value type must be int, str or bool'
                             % self.name)

    @property
    def namespace(self) -> str:
        return self.name.split(':', 1)[0] if ':' in self.name else ''

    def allowed(self) -> str:
        """What the value may be, in words (for messages and docs)."""
        spec = self.value
        if 'enum' in spec:
            return values.describe_enum(spec['enum'])
        if spec['type'] is int:
            return values.describe_int_range(spec.get('min'), spec.get('max'))
        if spec['type'] is bool:
            return 'true or false (or yes/no, on/off, 1/0)'
        if 'pattern' in spec:
            return 'a string matching %s' % spec['pattern']
        return 'a string'

    def parse(self, value: Any, name: str | None = None) -> Any:
        """Return the typed value, or raise ValidationError naming the key.

        :param name: the key as set, for validators registered under a
            pattern (``trait:{trait}``); defaults to the validator's name.
        """
        key = name or self.name
        try:
            typed = self._parse_value(value)
            if self.check is not None:
                self.check(key, typed)
            return typed
        except ValueError as exc:
            raise exception.ValidationError(key=key, value=value,
                                            reason=str(exc))

    def _parse_value(self, value: Any) -> Any:
        spec = self.value
        if 'enum' in spec:
            return values.strict_enum(value, spec['enum'])
        if spec['type'] is int:
            return values.strict_int(value, spec.get('min'), spec.get('max'))
        if spec['type'] is bool:
            return _parse_bool(value)
        if not isinstance(value, str):
            raise ValueError('must be a string')
        if 'pattern' in spec and not re.fullmatch(spec['pattern'], value):
            raise ValueError('must match %s' % spec['pattern'])
        return value

    def validate(self, name: str, value: Any) -> None:
        self.parse(value, name)


def _parse_bool(value: Any) -> bool:
    """As Nova reads it: true/false, yes/no, on/off, 1/0, any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return strutils.bool_from_string(value, strict=True)
        except ValueError:
            pass
    raise ValueError('must be true or false (or yes/no, on/off, 1/0)')
