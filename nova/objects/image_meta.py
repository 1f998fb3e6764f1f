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

"""Image metadata as Nova sees it: Glance's image record and its properties."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oslo_utils import versionutils

from nova import exception
from nova.objects import base
from nova.objects import fields

# Property names that look like ours but are not (typos, or the flavor's
# spelling): they would otherwise be ignored like any free-form Glance
# property.
_MAXPHYSADDR_PREFIXES = ('hw_maxphysaddr', 'hw:maxphysaddr')


@base.NovaObjectRegistry.register
class ImageMetaProps(base.NovaObject):
    # Version 1.0: Initial version (the properties this slice of Nova uses)
    # Version 1.1: Added hw_maxphysaddr_mode and hw_maxphysaddr_bits
    VERSION = '1.1'

    fields = {
        # Where the image can run.
        'hw_architecture': fields.ArchitectureField(),
        'img_hv_type': fields.HVTypeField(),
        'img_hv_requested_version': fields.StringField(),
        'hw_vm_mode': fields.VMModeField(),
        # The guest machine and its CPU.
        'hw_machine_type': fields.StringField(),
        'hw_cpu_policy': fields.CPUAllocationPolicyField(),
        'hw_cpu_thread_policy': fields.CPUThreadAllocationPolicyField(),
        'hw_cpu_sockets': fields.NonNegativeIntegerField(),
        'hw_cpu_cores': fields.NonNegativeIntegerField(),
        'hw_cpu_threads': fields.NonNegativeIntegerField(),
        'hw_pmu': fields.FlexibleBooleanField(),
        'os_distro': fields.StringField(),
        # The guest's physical address width (libvirt <maxphysaddr>).
        'hw_maxphysaddr_mode': fields.MaxPhysAddrModeField(),
        'hw_maxphysaddr_bits': fields.MaxPhysAddrBitsField(),
    }

    # Fields added after 1.0, each with the version that brought it; used to
    # backport for services that only know an older version.
    _ADDED_IN = {
        'hw_maxphysaddr_mode': (1, 1),
        'hw_maxphysaddr_bits': (1, 1),
    }

    def obj_make_compatible(self, primitive: dict,
                            target_version: str) -> None:
        super().obj_make_compatible(primitive, target_version)
        target = versionutils.convert_version_to_tuple(target_version)
        for name, added in self._ADDED_IN.items():
            if target < added:
                primitive.pop(name, None)

    @classmethod
    def from_dict(cls, image_props: dict[str, Any]) -> 'ImageMetaProps':
        """Build the object from Glance's property dict.

        Free-form properties Nova does not know are ignored, as Glance allows
        any; a known property with a bad value raises
        :class:`~nova.exception.InvalidImageProperty` naming it.
        """
        obj = cls()
        if image_props is None:
            return obj
        if not isinstance(image_props, Mapping):
            raise exception.InvalidImageProperty(
                key='properties', value=image_props,
                reason='must be a JSON object of property names and values')
        for key, value in image_props.items():
            if not isinstance(key, str):
                raise exception.InvalidImageProperty(
                    key=key, value=value,
                    reason='property names are strings')
            if key in cls.fields:
                try:
                    if value is None:
                        # The generic "cannot be None" says nothing of what
                        # is allowed; the field type's own check does.
                        cls.fields[key]._type.coerce(obj, key, value)
                        raise ValueError('must not be null')
                    setattr(obj, key, value)
                except (ValueError, TypeError) as exc:
                    raise exception.InvalidImageProperty(
                        key=key, value=value, reason=str(exc))
            elif key.startswith(_MAXPHYSADDR_PREFIXES):
                raise exception.InvalidImageProperty(
                    key=key, value=value,
                    reason='unknown property; the maxphysaddr properties '
                           'are hw_maxphysaddr_mode and hw_maxphysaddr_bits')
        return obj

    def get(self, name: str, default: Any = None) -> Any:
        """The property's value, or ``default`` when it is not set."""
        if name not in self.fields:
            raise AttributeError(name)
        if not self.obj_attr_is_set(name):
            return default
        return getattr(self, name)


@base.NovaObjectRegistry.register
class ImageMeta(base.NovaObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'id': fields.UUIDField(),
        'name': fields.StringField(),
        'min_ram': fields.NonNegativeIntegerField(),
        'min_disk': fields.NonNegativeIntegerField(),
        'disk_format': fields.StringField(),
        'container_format': fields.StringField(),
        'properties': fields.ObjectField('ImageMetaProps'),
    }

    @classmethod
    def from_dict(cls, image_meta: dict[str, Any]) -> 'ImageMeta':
        """Build the object from Glance's image record (a dict)."""
        image_meta = dict(image_meta or {})
        props = image_meta.pop('properties', {})
        obj = cls(**{k: v for k, v in image_meta.items() if k in cls.fields})
        obj.properties = ImageMetaProps.from_dict(props)
        return obj
