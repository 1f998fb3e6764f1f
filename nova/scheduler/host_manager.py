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

"""What the scheduler knows about one compute node: ``HostState``.

Filters run for every host on every boot, so everything they compare is
derived here, once per update from the compute node record, not once per
request: ``cpu_info`` arrives as the JSON string the compute node stores and
is decoded here; the host's physical address width is read out of it (by
:mod:`nova_maxphysaddr.rules.host`, as the driver wrote it);
``supported_instances`` is indexed for O(1) matching.

Nothing a compute node reports can make an update raise: undecodable or
ill-shaped data is logged and treated as "no information", and the filters
fail closed on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
import functools
import itertools
from typing import Any

from nova_maxphysaddr.rules import host as host_rules
from nova_maxphysaddr.rules import values
from oslo_log import log as logging

from nova.objects import fields

LOG = logging.getLogger(__name__)

# The attributes ``capabilities:<attribute>[:...]`` extra specs may name
# (anything else is looked up in ``stats``, as Nova does).
CAPABILITY_ATTRIBUTES = frozenset((
    'host', 'nodename', 'hypervisor_type', 'hypervisor_version',
    'hypervisor_hostname', 'cpu_info', 'supported_instances', 'vcpus_total',
    'vcpus_used', 'total_usable_ram_mb', 'free_ram_mb',
    'total_usable_disk_gb', 'free_disk_gb', 'stats',
))

# Distinct supported_instances lists whose lookup keys are kept.
INSTANCE_KEYS_CACHE_SIZE = 256
# Every way a (arch, hv_type, vm_mode) triple can be asked for with some
# parts left open (None): 2**3 masks.
_MASKS = tuple(itertools.product((True, False), repeat=3))


def _int_or_none(value: Any, minimum: int = 0) -> int | None:
    try:
        return values.strict_int(value, minimum)
    except ValueError:
        return None


def instance_key(arch: str | None, hv_type: str | None,
                 vm_mode: str | None) -> str:
    """The lookup key of a (possibly partial) supported instance.

    A string, not a tuple: its hash is computed once, not per host.
    """
    return '%s|%s|%s' % (arch or '', hv_type or '', vm_mode or '')


@functools.lru_cache(maxsize=INSTANCE_KEYS_CACHE_SIZE)
def _instance_keys(triples: tuple[tuple[str, str, str], ...]
                   ) -> frozenset[str]:
    """Each triple's key with every combination of its parts left open.

    A request for e.g. (arch, None, vm_mode) is then one set lookup.
    Cached: the hosts of a cloud report a handful of distinct lists.
    """
    return frozenset(
        instance_key(*(part if keep else None
                       for part, keep in zip(triple, mask)))
        for triple in triples for mask in _MASKS)


class HostState:
    """Mutable state of one compute node, as the filters see it."""

    # What the filters read per host first, in the object itself: a host is
    # then one memory access, not two (the object and its attribute
    # values), which matters with 10,000 hosts spread over a large heap.
    # ``__dict__`` keeps any other attribute settable, as on any object.
    __slots__ = ('maxphysaddr_bits', 'maxphysaddr_unknown_reason',
                 'supported_instance_keys', '_hypervisor_version',
                 '_supported_instances', '_cpu_info', '__dict__',
                 '__weakref__')

    def __init__(self, host: str, nodename: str) -> None:
        self.host = host
        self.nodename = nodename
        self.hypervisor_type: str | None = None
        self.hypervisor_hostname: str | None = None
        self.vcpus_total = 0
        self.vcpus_used = 0
        self.total_usable_ram_mb = 0
        self.free_ram_mb = 0
        self.total_usable_disk_gb = 0
        self.free_disk_gb = 0
        self.stats: dict[str, Any] = {}
        # Set through the properties below, which derive what filters use.
        self.cpu_info = None
        self.supported_instances = None
        self.hypervisor_version = None

    def __repr__(self) -> str:
        return '(%s, %s)' % (self.host, self.nodename)

    def update(self, compute: Mapping[str, Any]) -> None:
        """Take in a compute node record (the driver's resource report).

        ``compute`` is shaped like ``get_available_resource()``'s result;
        ``cpu_info`` may be the stored JSON string or a dict.
        """
        self.hypervisor_type = compute.get('hypervisor_type')
        self.hypervisor_hostname = compute.get('hypervisor_hostname')
        self.hypervisor_version = compute.get('hypervisor_version')
        self.cpu_info = compute.get('cpu_info')
        self.supported_instances = compute.get('supported_instances')
        self.vcpus_total = _int_or_none(compute.get('vcpus', 0)) or 0
        self.vcpus_used = _int_or_none(compute.get('vcpus_used', 0)) or 0
        self.total_usable_ram_mb = _int_or_none(
            compute.get('memory_mb', 0)) or 0
        self.free_ram_mb = self.total_usable_ram_mb - (
            _int_or_none(compute.get('memory_mb_used', 0)) or 0)
        self.total_usable_disk_gb = _int_or_none(
            compute.get('local_gb', 0)) or 0
        self.free_disk_gb = self.total_usable_disk_gb - (
            _int_or_none(compute.get('local_gb_used', 0)) or 0)
        stats = compute.get('stats')
        self.stats = dict(stats) if isinstance(stats, Mapping) else {}

    # --- cpu_info, and the physical address width in it -------------------

    @property
    def cpu_info(self) -> dict[str, Any]:
        """The decoded ``cpu_info`` (``{}`` when the host gave none)."""
        return self._cpu_info

    @cpu_info.setter
    def cpu_info(self, value: str | Mapping[str, Any] | None) -> None:
        self._cpu_info, problem = host_rules.decode_cpu_info(value)
        if problem is None:
            bits, problem = host_rules.read_width(self._cpu_info)
        else:
            bits = None
            if value is not None:
                LOG.warning('Host %s: %s; treating it as no CPU '
                            'information.', self, problem)
        self.maxphysaddr_bits: int | None = bits
        # Why the width is unknown, for the filters' rejection reasons.
        self.maxphysaddr_unknown_reason: str | None = problem

    # --- supported_instances ---------------------------------------------

    @property
    def supported_instances(self) -> list[tuple[str, str, str]]:
        """``(arch, hv_type, vm_mode)`` triples, canonical spelling."""
        return self._supported_instances

    @supported_instances.setter
    def supported_instances(self, value: Iterable[Any] | None) -> None:
        if value is not None and not isinstance(value, (list, tuple)):
            LOG.warning('Host %s: ignoring supported_instances %r; expected '
                        'a list of [arch, hv_type, vm_mode].', self, value)
            value = None
        triples = []
        for entry in value or ():
            triple = self._canonical_instance(entry)
            if triple is None:
                LOG.warning('Host %s: ignoring supported instance %r; '
                            'expected [arch, hv_type, vm_mode] strings.',
                            self, entry)
            else:
                triples.append(triple)
        self._supported_instances = triples
        self.supported_instance_keys = _instance_keys(tuple(triples))

    @staticmethod
    def _canonical_instance(entry: Any) -> tuple[str, str, str] | None:
        if (not isinstance(entry, (list, tuple)) or len(entry) != 3 or
                not all(isinstance(part, str) for part in entry)):
            return None
        arch, hv_type, vm_mode = entry
        return (fields.Architecture.canonicalize(arch), hv_type.lower(),
                vm_mode.lower())

    # --- hypervisor_version ----------------------------------------------

    @property
    def hypervisor_version(self) -> int | None:
        """libvirt's encoding: major * 1,000,000 + minor * 1,000 + micro."""
        return self._hypervisor_version

    @hypervisor_version.setter
    def hypervisor_version(self, value: Any) -> None:
        version = _int_or_none(value)
        if version is None and value is not None:
            LOG.warning('Host %s: ignoring hypervisor_version %r; expected '
                        'a non-negative integer.', self, value)
        self._hypervisor_version = version
