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

"""The four keys and what their values may be.

Flavor extra specs and image properties are free text typed by people.
Python's ``int()`` is far too forgiving for them (it takes ``' 42'``,
``'4_2'`` and fullwidth ``'４２'``), so every value is parsed here, by the
API validators, the image object, the scheduler and the driver alike: one
value, one verdict, one message.
"""

from __future__ import annotations

from collections.abc import Iterable
import re
from typing import Any

import os_traits

FLAVOR_MODE_KEY = 'hw:maxphysaddr_mode'
FLAVOR_BITS_KEY = 'hw:maxphysaddr_bits'
IMAGE_MODE_KEY = 'hw_maxphysaddr_mode'
IMAGE_BITS_KEY = 'hw_maxphysaddr_bits'
FLAVOR_KEYS = (FLAVOR_MODE_KEY, FLAVOR_BITS_KEY)
IMAGE_KEYS = (IMAGE_MODE_KEY, IMAGE_BITS_KEY)

EMULATE = 'emulate'
PASSTHROUGH = 'passthrough'
MODES = (EMULATE, PASSTHROUGH)
# The trait a host reports when it can honour each mode, and that a
# request for the mode requires (os-traits names: Placement refuses traits
# it does not know).
MODE_TRAITS = {
    EMULATE: os_traits.COMPUTE_ADDRESS_SPACE_EMULATED,
    PASSTHROUGH: os_traits.COMPUTE_ADDRESS_SPACE_PASSTHROUGH,
}
# How a flavor requires or forbids a trait: ``trait:NAME=required``.
TRAIT_SPEC_PREFIX = 'trait:'
TRAIT_REQUIRED = 'required'
TRAIT_FORBIDDEN = 'forbidden'

# QEMU's range for phys-bits on x86_64 ("phys-bits should be between 32 and
# 52"): target/i386/cpu.c.
BITS_MIN = 32
BITS_MAX = 52
# What QEMU gives an x86 guest when nothing is asked for.
QEMU_DEFAULT_BITS = 40

# ASCII digits only: ``\d`` would also match other scripts' digits.
_DECIMAL_RE = re.compile(r'-?(?:0|[1-9][0-9]*)\Z')
# Longer than this cannot be in any range we use; refusing early avoids
# converting hostile megabyte-long digit strings.
_MAX_DIGITS = 20


def describe_int_range(minimum: int | None, maximum: int | None) -> str:
    """Say in words which integers are allowed."""
    if minimum is not None and maximum is not None:
        return 'a decimal integer from %d to %d' % (minimum, maximum)
    if minimum is not None:
        return 'a decimal integer >= %d' % minimum
    if maximum is not None:
        return 'a decimal integer <= %d' % maximum
    return 'a decimal integer'


def describe_enum(allowed: Iterable[str]) -> str:
    return 'one of %s' % ', '.join(repr(a) for a in allowed)


def strict_int(value: Any, minimum: int | None = None,
               maximum: int | None = None) -> int:
    """An integer given as ``int`` or as canonical decimal text.

    :raises ValueError: with a reason naming what is allowed
    """
    number: int
    if isinstance(value, str):
        if (len(value) > _MAX_DIGITS or value == '-0' or
                not _DECIMAL_RE.match(value)):
            raise ValueError(_int_reason(minimum, maximum))
        number = int(value)
    elif isinstance(value, bool) or not isinstance(value, int):
        raise ValueError('%s, not a %s' % (_int_reason(minimum, maximum),
                                           type(value).__name__))
    else:
        number = value
    if ((minimum is not None and number < minimum) or
            (maximum is not None and number > maximum)):
        raise ValueError(_int_reason(minimum, maximum))
    return number


def _int_reason(minimum: int | None, maximum: int | None) -> str:
    # Built only on failure: valid values are parsed on hot paths.
    return 'must be ' + describe_int_range(minimum, maximum)


def strict_enum(value: Any, allowed: Iterable[str]) -> str:
    """Exactly one of ``allowed``: no case folding, no trimming.

    :raises ValueError: with a reason naming what is allowed
    """
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise ValueError('must be %s (exact, lower case)' %
                         describe_enum(allowed))
    return value


def parse_mode(value: Any) -> str:
    """``hw:maxphysaddr_mode`` / ``hw_maxphysaddr_mode``.

    :raises ValueError: with the reason
    """
    return strict_enum(value, MODES)


def parse_bits(value: Any) -> int:
    """``hw:maxphysaddr_bits`` / ``hw_maxphysaddr_bits``.

    :raises ValueError: with the reason
    """
    return strict_int(value, BITS_MIN, BITS_MAX)


def bits_allowed() -> str:
    """What a bits value may be, in words (messages and docs)."""
    return describe_int_range(BITS_MIN, BITS_MAX)
