"""Hypothesis settings shared by the property-based tests.

``HYPOTHESIS_PROFILE=ci`` (the default) runs a few thousand examples over the
suite in CI; ``HYPOTHESIS_PROFILE=long`` runs fifty times more, for a
nightly or pre-release run::

    HYPOTHESIS_PROFILE=long ./run test tests/unit/properties
"""

import os

from hypothesis import HealthCheck
from hypothesis import settings

settings.register_profile(
    'ci', max_examples=500, deadline=None, derandomize=False,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    'long', max_examples=25000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))
