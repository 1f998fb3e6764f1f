"""Strict value parsers shared by the API validators and the object fields.

Flavor extra specs and image properties are free text typed by humans.
Python's ``int()`` is far too forgiving for them: it takes ``' 42'``,
``'4_2'`` and fullwidth ``'４２'``.  Both the API and the object model parse
through the functions here so that one value gets one verdict and one
message, wherever it enters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# ASCII digits only: ``\d`` would also match other scripts' digits.
_DECIMAL_RE = re.compile(r'(?:0|[1-9][0-9]*)\Z')
_NEGATIVE_DECIMAL_RE = re.compile(r'-(?:[1-9][0-9]*)\Z')
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
    """Parse an integer given as ``int`` or canonical decimal ``str``.

    :raises ValueError: with a reason naming what is allowed.
    """
    if isinstance(value, str):
        if len(value) > _MAX_DIGITS or not (
                _DECIMAL_RE.match(value) or
                _NEGATIVE_DECIMAL_RE.match(value)):
            raise ValueError(_int_reason(minimum, maximum))
        value = int(value)
    elif isinstance(value, bool) or not isinstance(value, int):
        raise ValueError('%s, not a %s' % (_int_reason(minimum, maximum),
                                           type(value).__name__))
    if ((minimum is not None and value < minimum) or
            (maximum is not None and value > maximum)):
        raise ValueError(_int_reason(minimum, maximum))
    return value


def _int_reason(minimum: int | None, maximum: int | None) -> str:
    # Built only on failure: parsing valid values is on hot paths (the
    # scheduler, guest XML).
    return 'must be ' + describe_int_range(minimum, maximum)


def strict_enum(value: Any, allowed: Iterable[str]) -> str:
    """Accept exactly one of ``allowed``: no case folding, no trimming.

    :raises ValueError: with a reason naming what is allowed.
    """
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise ValueError('must be %s (exact, lower case)' %
                         describe_enum(allowed))
    return value
