"""What a boot request asks of Placement: ``ResourceRequest``.

The scheduler turns a ``RequestSpec`` into one ``GET /allocation_candidates``
query.  The maxphysaddr feature adds a required trait to it, so that only
compute nodes whose libvirt and QEMU can set the guest's physical address
width (``COMPUTE_ADDRESS_SPACE_EMULATED`` / ``..._PASSTHROUGH``) are
candidates at all; the filters then compare the width itself, which
Placement cannot (it has no numeric traits).
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib import parse

from nova_maxphysaddr.rules import values
import os_resource_classes as orc

from nova.api.validation.extra_specs import traits as trait_specs
from nova.api.validation.extra_specs import validators
from nova.virt import hardware

# The Placement microversion to send the query below with: the one Nova's
# scheduler sends for GET /allocation_candidates.  The query itself needs
# 1.22 (forbidden traits as ``!NAME`` in ``required``); openstack-placement
# 16 serves up to 1.39.
ALLOCATION_CANDIDATES_MICROVERSION = '1.36'
# Nova's ``[scheduler]max_placement_results`` default.
MAX_PLACEMENT_RESULTS = 1000


MiB_PER_GiB = 1024


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
        flavor = request_spec.flavor
        req = cls()
        group = req._rg_by_suffix['']
        group.resources = _flavor_resources(flavor)
        for key, value in (flavor.extra_specs or {}).items():
            if key.startswith(values.TRAIT_SPEC_PREFIX):
                name = _trait_from_spec(key, value)
                if value == values.TRAIT_REQUIRED:
                    group.required_traits.add(name)
                else:
                    group.forbidden_traits.add(name)

        req.maxphysaddr = hardware.get_maxphysaddr_request(
            flavor, request_spec.image)
        if req.maxphysaddr is not None:
            group.required_traits.add(
                values.MODE_TRAITS[req.maxphysaddr.mode])
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
    swap_gb = -(-flavor.swap // MiB_PER_GiB)
    resources = {
        orc.VCPU: flavor.vcpus,
        orc.MEMORY_MB: flavor.memory_mb,
        orc.DISK_GB: flavor.root_gb + flavor.ephemeral_gb + swap_gb,
    }
    return {rc: amount for rc, amount in resources.items() if amount}


def _trait_from_spec(key: str, value: Any) -> str:
    """The trait named by a ``trait:NAME`` extra spec, checked exactly as
    the API checks it (a known trait, 'required' or 'forbidden')."""
    validators.validate(key, value)
    return trait_specs.trait_name(key)
