"""Validators for the ``trait`` namespace (``trait:NAME=required``)."""

from nova.api.validation.extra_specs import base

TRAIT_VALUES = ('required', 'forbidden')
# Placement's own rule for trait names (standard and CUSTOM_).
TRAIT_NAME_PATTERN = r'[A-Z0-9_]{1,255}'


def register() -> list[base.ExtraSpecValidator]:
    return [
        base.ExtraSpecValidator(
            name='trait:{trait}',
            description=(
                'Require or forbid a trait on the resource provider; '
                '{trait} is a standard os-traits name or CUSTOM_*.'),
            value={'type': str, 'enum': list(TRAIT_VALUES)},
        ),
    ]
