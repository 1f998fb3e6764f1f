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

"""Validators for the ``trait`` namespace (``trait:NAME=required``)."""

from importlib import metadata

from nova_maxphysaddr.rules import values
import os_traits

from nova.api.validation.extra_specs import base

TRAIT_SPEC_PREFIX = values.TRAIT_SPEC_PREFIX
TRAIT_VALUES = (values.TRAIT_REQUIRED, values.TRAIT_FORBIDDEN)
# Placement's own rule for trait names (standard and CUSTOM_).
TRAIT_NAME_PATTERN = r'[A-Z0-9_]{1,255}'
CUSTOM_TRAIT_PREFIX = 'CUSTOM_'
STANDARD_TRAITS = frozenset(os_traits.get_traits())
OS_TRAITS_VERSION = metadata.version('os-traits')


def trait_name(key: str) -> str:
    return key[len(TRAIT_SPEC_PREFIX):]


def _check_known_trait(key: str, value: str) -> None:
    """Placement refuses a trait it does not know (HTTP 400): refuse it at
    the API instead of failing every boot with the flavor."""
    name = trait_name(key)
    custom = (name.startswith(CUSTOM_TRAIT_PREFIX) and
              len(name) > len(CUSTOM_TRAIT_PREFIX))
    if name not in STANDARD_TRAITS and not custom:
        raise ValueError('%s is neither a standard trait (os-traits %s) nor a '
                         'custom one (%s*)' % (name, OS_TRAITS_VERSION,
                                               CUSTOM_TRAIT_PREFIX))


def register() -> list[base.ExtraSpecValidator]:
    return [
        base.ExtraSpecValidator(
            name=TRAIT_SPEC_PREFIX + '{trait}',
            description=(
                'Require or forbid a trait on the resource provider; '
                '{trait} is a standard os-traits name or CUSTOM_*.'),
            value={'type': str, 'enum': list(TRAIT_VALUES)},
            check=_check_known_trait,
        ),
    ]
