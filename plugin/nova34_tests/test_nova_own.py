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

"""Nova 34's own unit tests of what the plugin plugs into, run with the
plugin installed: the extra spec validators (which now include ours), the
image properties filter and the host manager (which loads the filters)."""

from nova.tests.unit.api.validation.extra_specs.test_validators import (  # noqa: F401,E501
    TestValidators)
from nova.tests.unit.scheduler.filters.test_image_props_filters import (  # noqa: F401,E501
    TestImagePropsFilter)
from nova.tests.unit.scheduler.test_host_manager import (  # noqa: F401
    HostManagerChangedNodesTestCase)
from nova.tests.unit.scheduler.test_host_manager import (  # noqa: F401
    HostManagerTestCase)
from nova.tests.unit.scheduler.test_host_manager import (  # noqa: F401
    HostStateTestCase)
