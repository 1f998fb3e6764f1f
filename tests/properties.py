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
