"""Validators for the ``capabilities`` namespace (ComputeCapabilitiesFilter).

Any ``capabilities:<attribute>[:<key>...]`` is allowed, with a value in the
filter's operator language; the filter gives the verdict on each host.
"""

from nova.api.validation.extra_specs import base


def register() -> list[base.ExtraSpecValidator]:
    return [
        base.ExtraSpecValidator(
            name='capabilities:{attribute}',
            description=(
                'Match a compute host attribute (e.g. cpu_info:arch or '
                'cpu_info:maxphysaddr:bits) with ComputeCapabilitiesFilter '
                'operators such as ``>=``, ``s==``, ``<in>``, ``<or>``.'),
            value={'type': str},
        ),
    ]
