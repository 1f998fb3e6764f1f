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

"""Nova's versioned objects (the part of them this feature uses).

Registering a class publishes it here (``objects.Flavor``), as in Nova; the
names below are for the type checker.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nova.objects.flavor import Flavor  # noqa: F401
    from nova.objects.image_meta import ImageMeta  # noqa: F401
    from nova.objects.image_meta import ImageMetaProps  # noqa: F401
    from nova.objects.instance import Instance  # noqa: F401
    from nova.objects.request_spec import RequestSpec  # noqa: F401


def register_all() -> None:
    """Import every object module so the registry knows every class."""
    __import__('nova.objects.flavor')
    __import__('nova.objects.image_meta')
    __import__('nova.objects.instance')
    __import__('nova.objects.request_spec')
