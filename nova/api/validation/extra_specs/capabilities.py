"""Validators for the ``capabilities`` namespace (ComputeCapabilitiesFilter).

Any ``capabilities:<attribute>[:<key>...]`` is allowed, with a value in the
filter's operator language.  The API parses the value with the filter's own
parser, so a requirement the filter could not use is refused here (HTTP 400)
instead of making every host fail the filter.
"""

from typing import Any

from nova.api.validation.extra_specs import base
from nova.api.validation.extra_specs import operators


def _check_requirement(key: str, value: Any) -> None:
    operators.compile_requirement(value)


def register() -> list[base.ExtraSpecValidator]:
    return [
        base.ExtraSpecValidator(
            name='capabilities:{attribute}',
            description=(
                'Match a compute host attribute (e.g. cpu_info:arch or '
                'cpu_info:maxphysaddr:bits) with ComputeCapabilitiesFilter '
                'operators such as ``>=``, ``s==``, ``<in>``, ``<or>``.'),
            value={'type': str},
            check=_check_requirement,
        ),
    ]
