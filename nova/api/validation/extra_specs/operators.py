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

"""Nova's operator language for ``capabilities:`` extra specs.

A requirement is ``<op> <operand>...`` or a bare string:

* numeric: ``=`` (at least), ``==``, ``!=``, ``>=``, ``<=``
* string: ``s==``, ``s!=``, ``s<``, ``s<=``, ``s>``, ``s>=``
* membership: ``<in> x`` (a substring of the host value's string form),
  ``<all-in> x y ...`` (all of them)
* alternatives: ``<or> a <or> b ...`` (equal to any)
* anything else: the host value, as a string, equals the whole requirement.

:func:`compile_requirement` parses a requirement once per request into a
predicate that is then applied to every host.  A malformed requirement
raises ``ValueError`` there, never per host; a host value that cannot be
compared (``'abc'`` for ``>=``) simply does not match.

As in Nova, every operator compares the host value's string form: on a
list value (``cpu_info`` features) ``<in> avx512`` is a substring test of
the list's text, so it matches a host that has ``avx512f``.
"""

from __future__ import annotations

from collections.abc import Callable
import math
import operator
from typing import Any

Predicate = Callable[[Any], bool]

OR = '<or>'
IN = '<in>'
ALL_IN = '<all-in>'

NUMERIC_OPS: dict[str, Callable[[float, float], bool]] = {
    '=': operator.ge,
    '==': operator.eq,
    '!=': operator.ne,
    '>=': operator.ge,
    '<=': operator.le,
}
STRING_OPS: dict[str, Callable[[str, str], bool]] = {
    's==': operator.eq,
    's!=': operator.ne,
    's<': operator.lt,
    's<=': operator.le,
    's>': operator.gt,
    's>=': operator.ge,
}
OPERATORS = frozenset(NUMERIC_OPS) | frozenset(STRING_OPS) | {IN, ALL_IN, OR}


def as_number(value: Any) -> float | int | None:
    """A host value as a number, or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _contains(value: Any, item: str) -> bool:
    return item in str(value)


def compile_requirement(req: str) -> Predicate:
    """Parse ``req`` into a predicate over one host value.

    :raises ValueError: naming what is wrong with ``req``.
    """
    if not isinstance(req, str):
        raise ValueError('must be a string, not a %s' % type(req).__name__)
    words = req.split()
    op = words[0] if words else None
    if op not in OPERATORS:
        return lambda value: str(value) == req
    operands = words[1:]

    if op == OR:
        choices = operands[::2]
        if len(operands) % 2 == 0 or any(w != OR for w in operands[1::2]):
            raise ValueError("'<or>' takes values separated by '<or>', as "
                             "in '<or> a <or> b'")
        choice_set = frozenset(choices)
        return lambda value: str(value) in choice_set

    if op == ALL_IN:
        if not operands:
            raise ValueError("'<all-in>' needs at least one value")
        return lambda value: all(_contains(value, o) for o in operands)

    if len(operands) != 1:
        raise ValueError("'%s' takes exactly one value, not %d" % (
            op, len(operands)))
    operand = operands[0]

    if op == IN:
        return lambda value: _contains(value, operand)

    if op in STRING_OPS:
        compare = STRING_OPS[op]
        return lambda value: compare(str(value), operand)

    number = as_number(operand)
    if number is None or math.isnan(number):
        raise ValueError("'%s' compares numbers, but %r is not one" % (
            op, operand))
    compare_num = NUMERIC_OPS[op]

    def numeric(value: Any) -> bool:
        host_number = as_number(value)
        return host_number is not None and compare_num(host_number, number)
    return numeric
