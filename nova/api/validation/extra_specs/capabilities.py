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
