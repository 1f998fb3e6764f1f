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

"""Nova's object base and registry, on oslo.versionedobjects."""

from __future__ import annotations

from typing import Any
from typing import TYPE_CHECKING

from oslo_versionedobjects import base as ovo_base


class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
    """The registry of every ``nova.objects`` class.

    Registering also publishes the class as ``nova.objects.<Name>``, as Nova
    does, so callers write ``objects.Flavor`` and never import the module.
    """

    def registration_hook(self, cls, index):
        from nova import objects

        version = tuple(int(p) for p in cls.VERSION.split('.'))
        current = getattr(objects, cls.obj_name(), None)
        if current is None or version >= tuple(
                int(p) for p in current.VERSION.split('.')):
            setattr(objects, cls.obj_name(), cls)


class NovaObject(ovo_base.VersionedObject):
    """Base of every Nova object: the ``nova`` namespace and serialisation."""

    OBJ_SERIAL_NAMESPACE = 'nova_object'
    OBJ_PROJECT_NAMESPACE = 'nova'

    if TYPE_CHECKING:
        # Fields are declared in ``fields``, not as attributes.
        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...

    @classmethod
    def _obj_from_primitive(cls, context: Any, objver: str,
                            primitive: dict[str, Any]) -> NovaObject:
        """Load a primitive, forgetting changes to fields it has no value
        for.

        oslo.versionedobjects backports a child object (``ImageMetaProps``
        inside a ``RequestSpec`` sent to a pinned, older service) by
        dropping the newer fields from its data but not from its list of
        changes.  A service that knows those fields would then hold
        "changed" fields without values, and ``obj_get_changes()`` (every
        save) would fail trying to load them.
        """
        self = super()._obj_from_primitive(context, objver, primitive)
        self._changed_fields = {name for name in self._changed_fields
                                if self.obj_attr_is_set(name)}
        return self


class NovaObjectSerializer(ovo_base.VersionedObjectSerializer):
    OBJ_BASE_CLASS = NovaObject
