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

"""What a boot request asks of Placement: ``ResourceRequest``.

The scheduler turns a ``RequestSpec`` into one ``GET /allocation_candidates``
query.  The maxphysaddr feature adds a required trait to it, so that only
compute nodes whose libvirt and QEMU can set the guest's physical address
width (``COMPUTE_ADDRESS_SPACE_EMULATED`` / ``..._PASSTHROUGH``) are
candidates at all; the filters then compare the width itself, which
Placement cannot (it has no numeric traits).

The traits and the maxphysaddr request depend only on the flavor's extra
specs and RAM, the image's properties and ``[libvirt]hw_machine_type``, and
a cloud has few distinct ones, so they are kept per distinct set of those
inputs (read in full on every call, so nothing changed is missed): a
request with the feature costs what one without it does.
"""

from __future__ import annotations

from collections.abc import Callable
import dataclasses
import itertools
from typing import Any
from urllib import parse

from nova_maxphysaddr.rules import values
import os_resource_classes as orc

from nova.api.validation.extra_specs import traits as trait_specs
from nova.api.validation.extra_specs import validators
import nova.conf
from nova.objects import image_meta as image_meta_obj
from nova.virt import hardware

CONF = nova.conf.CONF

# The Placement microversion to send the query below with: the one Nova's
# scheduler sends for GET /allocation_candidates.  The query itself needs
# 1.22 (forbidden traits as ``!NAME`` in ``required``); openstack-placement
# 16 serves up to 1.39.
ALLOCATION_CANDIDATES_MICROVERSION = '1.36'
# Nova's ``[scheduler]max_placement_results`` default.
MAX_PLACEMENT_RESULTS = 1000


MiB_PER_GiB = 1024

# Distinct (flavor, image, configuration) inputs whose traits and
# maxphysaddr request are kept: a cloud has a handful of flavors and images.
NEEDS_MEMO_SIZE = 1024


@dataclasses.dataclass
class RequestGroup:
    """Resources and traits that one resource provider must satisfy.

    Placement numbers granular groups by a suffix; the flavor's own
    resources and traits form the unsuffixed group (suffix ``''``).
    """

    suffix: str = ''
    resources: dict[str, int] = dataclasses.field(default_factory=dict)
    required_traits: set[str] = dataclasses.field(default_factory=set)
    forbidden_traits: set[str] = dataclasses.field(default_factory=set)

    def to_queryparams(self) -> list[tuple[str, str]]:
        """This group's ``resources``/``required`` query parameters."""
        params = []
        if self.resources:
            params.append(('resources' + self.suffix, ','.join(
                '%s:%d' % item for item in sorted(self.resources.items()))))
        traits = sorted(self.required_traits) + sorted(
            '!' + name for name in self.forbidden_traits)
        if traits:
            params.append(('required' + self.suffix, ','.join(traits)))
        return params


class ResourceRequest:
    """A boot request's resource and trait needs, grouped as Placement wants.

    ``maxphysaddr`` keeps the resolved guest request (or None) so callers
    can show why a trait is required without resolving a second time.
    """

    def __init__(self) -> None:
        self._rg_by_suffix: dict[str, RequestGroup] = {'': RequestGroup()}
        self.maxphysaddr: hardware.MaxPhysAddrRequest | None = None

    @classmethod
    def from_request_spec(cls, request_spec: Any) -> 'ResourceRequest':
        """Build the request for a ``RequestSpec``.

        :raises: ValidationError (a ``trait:`` extra spec), and everything
            :func:`nova.virt.hardware.get_maxphysaddr_request` raises, so an
            invalid combination never reaches Placement.
        """
        # Fields are read where oslo keeps them when they are set (as the
        # filters do; see _stored()), through the object otherwise.
        flavor = _stored(request_spec, 'flavor', '_obj_flavor')
        req = cls()
        group = req._rg_by_suffix['']
        group.resources = _flavor_resources(flavor)
        required, forbidden, req.maxphysaddr = _flavor_and_image_needs(
            flavor, request_spec)
        group.required_traits.update(required)
        group.forbidden_traits.update(forbidden)
        return req

    def get_request_group(self, suffix: str = '') -> RequestGroup:
        return self._rg_by_suffix[suffix]

    @property
    def all_required_traits(self) -> set[str]:
        return set().union(*(g.required_traits
                             for g in self._rg_by_suffix.values()))

    @property
    def all_forbidden_traits(self) -> set[str]:
        return set().union(*(g.forbidden_traits
                             for g in self._rg_by_suffix.values()))

    def to_querystring(self, limit: int | None = MAX_PLACEMENT_RESULTS
                       ) -> str:
        """The ``GET /allocation_candidates`` query string.

        Send it with ``OpenStack-API-Version: placement``
        :data:`ALLOCATION_CANDIDATES_MICROVERSION`.  ``:``, ``,`` and ``!``
        stay unescaped (Placement reads both forms) so it can be shown to
        operators as it is.
        """
        params = []
        for suffix in sorted(self._rg_by_suffix):
            params.extend(self._rg_by_suffix[suffix].to_queryparams())
        if limit is not None:
            params.append(('limit', str(limit)))
        return parse.urlencode(params, safe=':,!')


def _flavor_resources(flavor: Any) -> dict[str, int]:
    """VCPU, MEMORY_MB and DISK_GB as Nova derives them from a flavor.

    Swap is in MiB but counts against DISK_GB, rounded up.  Placement
    refuses zero amounts, so zero resources are left out.
    """
    try:
        swap, vcpus, memory_mb, root_gb, ephemeral_gb = (
            flavor._obj_swap, flavor._obj_vcpus, flavor._obj_memory_mb,
            flavor._obj_root_gb, flavor._obj_ephemeral_gb)
    except AttributeError:
        # Not all set (or not an oslo object): read through the object, so
        # that an unset field fails as it always did.
        swap, vcpus, memory_mb, root_gb, ephemeral_gb = (
            flavor.swap, flavor.vcpus, flavor.memory_mb, flavor.root_gb,
            flavor.ephemeral_gb)
    resources = {
        orc.VCPU: vcpus,
        orc.MEMORY_MB: memory_mb,
        orc.DISK_GB: root_gb + ephemeral_gb + -(-swap // MiB_PER_GiB),
    }
    return {rc: amount for rc, amount in resources.items() if amount}


def _stored(obj: Any, name: str, storage_name: str) -> Any:
    """``obj.<name>``, read where oslo.versionedobjects keeps a set field
    (attribute ``_obj_<name>``): several times cheaper than the field's
    property, which checks it is set and lazy-loads it if not.  An unset
    field, or an object that is not an oslo object, is read through the
    object, so it behaves exactly as ``obj.<name>``."""
    try:
        return getattr(obj, storage_name)
    except AttributeError:
        return getattr(obj, name)


# --- traits and the maxphysaddr request, memoised -------------------------

# (required traits, forbidden traits, the maxphysaddr request)
_Needs = tuple[frozenset[str], frozenset[str],
               'hardware.MaxPhysAddrRequest | None']
_UNSET = object()
# What the memo cannot key (see _inputs_key).
_NO_KEY = None
_memo: dict[Any, _Needs] = {}
# Per ImageMetaProps class: where each of its fields is kept.
_prop_storage_names: dict[type, tuple[str, ...]] = {}
_libvirt_opts = CONF.libvirt


def _flavor_and_image_needs(flavor: Any, request_spec: Any) -> _Needs:
    """The traits the flavor's ``trait:`` extra specs require and forbid,
    with the mode trait of its maxphysaddr request, and that request.

    These are a function of the flavor's extra specs and RAM, the image's
    properties and ``[libvirt]hw_machine_type``, so they are kept per
    distinct set of those, which are read and compared in full on every
    call: a flavor, image or option changed in place gives a new lookup,
    never a stale answer.  An invalid request (a ``trait:`` extra spec, or
    what the resolver refuses) is not kept, and raises again each time.
    Requests with and without the feature cost the same: one lookup.
    """
    image = getattr(request_spec, '_obj_image', _UNSET)
    if image is _UNSET:
        # Not set (or not an oslo object): the memo cannot key it without
        # reading it, which the traits must be validated before.
        return _needs(flavor, lambda: request_spec.image)
    key = _inputs_key(flavor, image)
    if key is not _NO_KEY:
        try:
            return _memo[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value somewhere: not memoised
            key = _NO_KEY
    needs = _needs(flavor, lambda: image)
    if key is not _NO_KEY:
        if len(_memo) >= NEEDS_MEMO_SIZE:
            _memo.clear()
        _memo[key] = needs
    return needs


def _needs(flavor: Any, image_of: Callable[[], Any]) -> _Needs:
    required, forbidden = set(), set()
    for key, value in (_stored(flavor, 'extra_specs', '_obj_extra_specs')
                       or {}).items():
        if key.startswith(values.TRAIT_SPEC_PREFIX):
            name = _trait_from_spec(key, value)
            if value == values.TRAIT_REQUIRED:
                required.add(name)
            else:
                forbidden.add(name)
    request = hardware.get_maxphysaddr_request(flavor, image_of())
    if request is not None:
        required.add(values.MODE_TRAITS[request.mode])
    return frozenset(required), frozenset(forbidden), request


def _inputs_key(flavor: Any, image_meta: Any) -> Any:
    """Everything :func:`_needs` and the resolver may read, as one hashable
    key (or _NO_KEY for objects it does not know how to read that way).

    Every extra spec and every image property, not only those read today:
    a new rule reading another one cannot be given a stale answer.
    """
    try:
        extra_specs = flavor._obj_extra_specs or {}
    except AttributeError:
        return _NO_KEY
    if not isinstance(extra_specs, dict):
        return _NO_KEY
    if image_meta is None:
        props = None
    elif isinstance(image_meta, image_meta_obj.ImageMeta):
        props = getattr(image_meta, '_obj_properties', None)
    elif isinstance(image_meta, image_meta_obj.ImageMetaProps):
        props = image_meta
    else:
        return _NO_KEY  # the resolver raises TypeError for it
    if props is None:
        props_key: Any = None
    else:
        names = _prop_storage_names.get(type(props))
        if names is None:
            names = _prop_storage_names[type(props)] = tuple(
                '_obj_' + name for name in type(props).fields)
        props_key = tuple(map(props.__dict__.get, names,
                              itertools.repeat(_UNSET)))
    machine_types = _libvirt_opts.hw_machine_type
    # One flat tuple (cheaper to build and hash than nested ones): the
    # three inputs of fixed size, then the extra specs' names and values.
    return (getattr(flavor, '_obj_memory_mb', _UNSET),
            None if machine_types is None else tuple(machine_types),
            props_key, *extra_specs, *extra_specs.values())


def _trait_from_spec(key: str, value: Any) -> str:
    """The trait named by a ``trait:NAME`` extra spec, checked exactly as
    the API checks it (a known trait, 'required' or 'forbidden')."""
    validators.validate(key, value)
    return trait_specs.trait_name(key)
