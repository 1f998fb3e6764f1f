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

"""Guest hardware decisions, for Nova's objects: the API, the scheduler and
the driver all come here.

The maxphysaddr rules themselves are :mod:`nova_maxphysaddr.rules` (shared
with the plugin for upstream Nova); this module feeds them Nova's objects
and configuration and turns their refusals into Nova's exceptions:

* :func:`get_machine_type`: the machine type the libvirt driver gives a
  guest, which its width depends on;
* :func:`get_maxphysaddr_request`: flavor + image -> the guest's request
  (the API checks a boot with it, ``ResourceRequest`` turns it into a
  required trait, both filters compare it with each host, the driver
  writes it into the guest XML).
"""

from __future__ import annotations

from typing import Any

from nova_maxphysaddr.rules import errors as rule_errors
from nova_maxphysaddr.rules import request as rule_request
from nova_maxphysaddr.rules import sizing

import nova.conf
from nova import exception
from nova.objects import fields
from nova.objects import image_meta as image_meta_obj

CONF = nova.conf.CONF

MaxPhysAddrRequest = rule_request.MaxPhysAddrRequest

IMAGE_MACHINE_TYPE_KEY = 'hw_machine_type'
# Nova's machine type for each architecture when neither the image nor
# [libvirt]hw_machine_type names one (nova/virt/libvirt/utils.py).
DEFAULT_MACHINE_TYPES = {
    fields.Architecture.X86_64: 'pc',
    fields.Architecture.I686: 'pc',
}

# Each rule refusal as the Nova exception the API answers with.
_NOVA_EXCEPTIONS: dict[type[rule_errors.RuleError],
                       type[exception.NovaException]] = {
    rule_errors.InvalidFlavorValue: exception.ValidationError,
    rule_errors.InvalidImageValue: exception.InvalidImageProperty,
    rule_errors.FlavorImageConflict: exception.FlavorImageConflict,
    rule_errors.BitsTooSmall: exception.MaxPhysAddrBitsTooSmall,
    rule_errors.InvalidRequest: exception.InvalidMaxPhysAddrRequest,
}


def image_props(image_meta: Any) -> image_meta_obj.ImageMetaProps | None:
    """The image's typed properties (validated when they were set).

    :raises TypeError: for anything but ``ImageMeta``, ``ImageMetaProps`` or
        None: a raw dict would skip the validation the object does.
    """
    if image_meta is None or isinstance(image_meta,
                                        image_meta_obj.ImageMetaProps):
        return image_meta
    if isinstance(image_meta, image_meta_obj.ImageMeta):
        if not image_meta.obj_attr_is_set('properties'):
            return None
        return image_meta.properties
    raise TypeError('image_meta must be an ImageMeta, ImageMetaProps or '
                    'None, not %s' % type(image_meta).__name__)


def get_machine_type(image_meta: Any,
                     arch: str = fields.Architecture.X86_64) -> str | None:
    """The machine type the libvirt driver gives a guest of ``arch``, as
    Nova chooses it: the image's ``hw_machine_type``, else the
    ``[libvirt]hw_machine_type`` entry for the architecture, else Nova's
    default (``pc`` on x86).  None: no machine type (libvirt's default)."""
    props = image_props(image_meta)
    machine_type = (None if props is None
                    else props.get(IMAGE_MACHINE_TYPE_KEY))
    if machine_type is not None:
        return machine_type
    for mapping in CONF.libvirt.hw_machine_type or ():
        entry_arch, _sep, entry_type = mapping.partition('=')
        if fields.Architecture.canonicalize(entry_arch.strip()) == arch:
            return entry_type.strip()
    return DEFAULT_MACHINE_TYPES.get(arch)


def get_guest_layout(flavor: Any, image_meta: Any) -> sizing.GuestLayout:
    """What the guest's width depends on: its RAM and machine type."""
    return sizing.GuestLayout(flavor.memory_mb, get_machine_type(image_meta))


def get_maxphysaddr_request(flavor: Any, image_meta: Any = None
                            ) -> MaxPhysAddrRequest | None:
    """Resolve flavor extra specs and image properties into one request.

    :param flavor: a ``Flavor`` (``memory_mb`` and ``extra_specs`` are used)
    :param image_meta: an ``ImageMeta``, its ``ImageMetaProps``, or None
    :returns: the request, or None when neither asks for maxphysaddr
    :raises: ValidationError, InvalidImageProperty, FlavorImageConflict,
        InvalidMaxPhysAddrRequest, MaxPhysAddrBitsTooSmall
    """
    props = image_props(image_meta)
    try:
        return rule_request.resolve(
            flavor.extra_specs or {}, props,
            lambda: get_guest_layout(flavor, props))
    except rule_errors.RuleError as exc:
        raise as_nova_exception(exc) from exc


def as_nova_exception(exc: rule_errors.RuleError) -> exception.NovaException:
    """The Nova exception for a rule's refusal: same facts, same words."""
    for rule_class in type(exc).__mro__:
        nova_class = _NOVA_EXCEPTIONS.get(rule_class)
        if nova_class is not None:
            return nova_class(**exc.facts)
    raise TypeError('no Nova exception for %s' % type(exc).__name__)
