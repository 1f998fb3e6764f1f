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

"""One boot request through Nova's path: API, scheduler, compute.

Every decision is made by the real code: the API's validation
(:func:`nova.compute.api.validate_boot_request`), ``ResourceRequest``, a
real Placement service (in process), both filters through the filter
handler, and ``LibvirtDriver.spawn`` on real libvirt and QEMU.  Each step
is recorded as it completes, with the lines an operator reads and the same
facts as data for JSON, and handed to ``on_step`` at once, so a slow boot
shows its progress.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

from lxml import etree
from nova_maxphysaddr.rules import sizing

from nova.compute import api as compute_api
from nova.demo import placement as placement_client
from nova.demo import qemu
from nova import exception
from nova import objects
from nova.scheduler import filter_handler
from nova.scheduler import host_manager
from nova.scheduler import utils as scheduler_utils
from nova.virt import hardware
from nova.virt.libvirt import xmlparse

_UNITS = (('TiB', 1024 ** 4), ('GiB', 1024 ** 3), ('MiB', 1024 ** 2))
# Resource classes of a compute node record, as Placement inventory.
_INVENTORY = {'VCPU': 'vcpus', 'MEMORY_MB': 'memory_mb', 'DISK_GB': 'local_gb'}


@dataclasses.dataclass
class ComputeHost:
    """A compute host of the demo cloud: its driver, and whether it is real
    (can start guests) or simulated (reports only)."""

    name: str
    host: Any
    driver: Any
    real: bool
    summary: str = ''


@dataclasses.dataclass
class Step:
    """One step of the boot: its verdict, the lines that explain it, and
    the same facts as data."""

    name: str
    ok: bool
    summary: str
    lines: list[str] = dataclasses.field(default_factory=list)
    data: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class BootReport:
    steps: list[Step] = dataclasses.field(default_factory=list)
    booted: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {'booted': self.booted,
                'steps': [dataclasses.asdict(s) for s in self.steps]}


class Cloud:
    """The compute hosts, registered once with a Placement service."""

    def __init__(self, hosts: list[ComputeHost],
                 add_cleanup: Callable[[Callable[[], Any]], Any]) -> None:
        self.hosts = hosts
        self.placement = placement_client.PlacementClient()
        self.placement.start(add_cleanup)
        # host name -> (compute node record, reported traits), or the
        # reason it could not report.
        self.records: dict[str, tuple[dict[str, Any], set[str]]] = {}
        self.unavailable: dict[str, str] = {}
        for host in hosts:
            try:
                record = host.driver.get_available_resource()
                traits = {t for t, on in
                          host.driver.capabilities_as_traits().items() if on}
            except exception.NovaException as exc:
                self.unavailable[host.name] = exc.format_message()
                continue
            self.records[host.name] = (record, traits)
            self.placement.create_compute_node(
                host.name, {rc: record.get(key, 0)
                            for rc, key in _INVENTORY.items()}, traits)


def format_bytes(size: int) -> str:
    """A size the way operators read flavors: ``1.5 TiB``, ``36 GiB``."""
    for unit, scale in _UNITS:
        if size >= scale:
            number = ('%.2f' % (size / scale)).rstrip('0').rstrip('.')
            return '%s %s' % (number, unit)
    return '%d bytes' % size


def advised_bits(too_low: qemu.PhysBitsTooLow, flavor: Any,
                 image: Any) -> int:
    """The width to advise after QEMU refused a guest: what QEMU needed
    for this CPU model, but never less than the API accepts for the flavor
    (which assumes the larger, AMD-vendor layout)."""
    layout = hardware.get_guest_layout(flavor, image)
    return max(too_low.min_bits, sizing.min_bits(layout))


def explain_too_low(too_low: qemu.PhysBitsTooLow, flavor: Any,
                    image: Any) -> str:
    bits = advised_bits(too_low, flavor, image)
    return ('QEMU refused to start the guest: its RAM, memory hotplug '
            'region and 64-bit PCI window reach address %#x (%s), but with '
            'phys-bits=%d the guest CPU reaches only %#x (%s). Set '
            'hw:maxphysaddr_mode=emulate and hw:maxphysaddr_bits=%d (or '
            'more) on the flavor. QEMU said: "%s"' % (
                too_low.needed, format_bytes(too_low.needed + 1),
                too_low.bits, too_low.limit, format_bytes(too_low.limit + 1),
                bits, too_low.qemu_message))


class _Walk:
    """The steps of one boot, reported as they complete."""

    def __init__(self, on_step: Callable[[Step], None] | None) -> None:
        self.report = BootReport()
        self._on_step = on_step

    def add(self, name: str, ok: bool, summary: str, lines: list[str],
            **data: Any) -> bool:
        step = Step(name, ok, summary, lines, data)
        self.report.steps.append(step)
        if self._on_step is not None:
            self._on_step(step)
        return ok


def _error_lines(exc: exception.NovaException) -> tuple[list[str],
                                                        dict[str, Any]]:
    return (['%s: %s' % (type(exc).__name__, exc.format_message())],
            {'error': {'type': type(exc).__name__,
                       'message': exc.format_message(),
                       'http_status': exc.code}})


def _api(walk: _Walk, flavor: Any, image_props: dict[str, Any]
         ) -> compute_api.BootRequest | None:
    try:
        boot = compute_api.validate_boot_request(flavor, image_props)
    except exception.Invalid as exc:
        lines, data = _error_lines(exc)
        walk.add('api', False, 'the API refuses the request (HTTP %d)'
                 % exc.code, lines, **data)
        return None
    request = boot.maxphysaddr
    lines = ['maxphysaddr request: %s' % (request or 'none')]
    if boot.not_checked:
        lines.append('not checked by this tool (Nova validates them): %s'
                     % ', '.join(boot.not_checked))
    walk.add('api', True, 'flavor and image are valid', lines,
             maxphysaddr=None if request is None else {
                 'mode': request.mode, 'bits': request.bits},
             not_checked=boot.not_checked)
    return boot


def _placement(walk: _Walk, cloud: Cloud,
               resources: scheduler_utils.ResourceRequest
               ) -> list[ComputeHost]:
    """Ask Placement; for each host it leaves out, show what the host
    reports against what the request needs (and, for a missing
    maxphysaddr trait, the driver's own reason for not reporting it)."""
    group = resources.get_request_group()
    names = cloud.placement.candidates(resources.to_querystring())
    candidates, lines = [], []
    for host in cloud.hosts:
        if host.name in names:
            candidates.append(host)
            continue
        if host.name in cloud.unavailable:
            lines.append('- %-12s unavailable: %s' % (
                host.name, cloud.unavailable[host.name]))
            continue
        record, traits = cloud.records[host.name]
        why = []
        missing = sorted(group.required_traits - traits)
        if missing:
            why.append('does not report required trait(s) %s' %
                       ', '.join(missing))
            request = resources.maxphysaddr
            if request is not None:
                reason = host.driver.get_maxphysaddr_support()[request.mode]
                if reason:
                    why.append('its driver: %s' % reason)
        forbidden = sorted(group.forbidden_traits & traits)
        if forbidden:
            why.append('reports forbidden trait(s) %s' % ', '.join(forbidden))
        if not why:
            why.append('not enough inventory for %s (has %s)' % (
                group.resources, {rc: record.get(key, 0)
                                  for rc, key in _INVENTORY.items()}))
        lines.append('- %-12s %s' % (host.name, '; '.join(why)))
    walk.add('placement', bool(candidates),
             '%d of %d hosts are allocation candidates' % (
                 len(candidates), len(cloud.hosts)), lines,
             candidates=[h.name for h in candidates])
    return candidates


def _filters(walk: _Walk, cloud: Cloud, spec: Any,
             candidates: list[ComputeHost]) -> list[ComputeHost]:
    states = []
    for host in candidates:
        state = host_manager.HostState(host.name, host.name)
        state.update(cloud.records[host.name][0])
        states.append(state)
    passed, rejections = filter_handler.get_filtered_hosts(
        states, spec, filter_handler.get_filters())
    lines = ['- %-12s %s: %s' % (r.host_state.host, r.filter_name, r.reason)
             for r in rejections]
    if passed:
        lines.append('passed: %s' % ', '.join(s.host for s in passed))
    walk.add('filters', bool(passed), '%d host(s) pass %s' % (
        len(passed), ' and '.join(filter_handler.DEFAULT_FILTERS)), lines,
        passed=[s.host for s in passed],
        rejected=[{'host': r.host_state.host, 'filter': r.filter_name,
                   'reason': r.reason} for r in rejections],
        physical_address_bits={s.host: s.maxphysaddr_bits for s in states})
    chosen = {s.host for s in passed}
    return [h for h in candidates if h.name in chosen]


def _cpu_xml(domain_xml: str) -> str | None:
    root = xmlparse.parse_xml(domain_xml, 'domain XML')
    cpu = root.find('cpu')
    if cpu is None:
        return None
    return ' '.join(etree.tostring(cpu, encoding='unicode').split())


def _spawn(walk: _Walk, host: ComputeHost, flavor: Any, image: Any) -> None:
    instance = objects.Instance(uuid=str(uuid.uuid4()),
                                name='maxphysaddr-demo-%s' % flavor.name,
                                display_name=flavor.name)
    try:
        host.driver.spawn(instance, image, flavor)
    except exception.MaxPhysAddrUnsupported as exc:
        lines, error = _error_lines(exc)
        walk.add('spawn', False, 'compute host %s refused before libvirt '
                 '(reschedulable)' % host.name, lines, **error)
        return
    except exception.InstanceBootFailed as exc:
        lines, error = _error_lines(exc)
        too_low = qemu.find_phys_bits_too_low(exc.format_message())
        explanation = (explain_too_low(too_low, flavor, image)
                       if too_low else None)
        if explanation:
            lines.append('Why: ' + explanation)
        walk.add('spawn', False, 'libvirt/QEMU refused the guest', lines,
                 explanation=explanation, **error)
        return
    try:
        guest = host.driver.get_guest(instance)
        cpu_xml = _cpu_xml(guest.get_xml_desc())
        lines = ['guest <cpu>: %s' % cpu_xml]
        data: dict[str, Any] = {'domain': instance.name, 'cpu_xml': cpu_xml}
        if host.host.get_hypervisor_type() == 'QEMU':
            running = qemu.QEMUGuest(guest)
            data['qemu_cpu_arg'] = running.get_qemu_cpu_arg()
            phys_bits = running.get_phys_bits()
            data['qemu_phys_bits'] = phys_bits.phys_bits
            lines += ['QEMU -cpu %s' % data['qemu_cpu_arg'],
                      'QEMU reports: %s' % phys_bits]
        walk.add('spawn', True, 'guest defined and started on %s'
                 % host.name, lines, **data)
        walk.report.booted = True
    finally:
        host.driver.destroy(instance)


def boot(cloud: Cloud, flavor: Any, image_props: dict[str, Any],
         on_step: Callable[[Step], None] | None = None) -> BootReport:
    """Run one boot request through API, scheduler and compute."""
    walk = _Walk(on_step)
    boot_request = _api(walk, flavor, image_props)
    if boot_request is None:
        return walk.report
    spec = objects.RequestSpec(flavor=flavor, image=boot_request.image,
                               num_instances=1)
    try:
        resources = scheduler_utils.ResourceRequest.from_request_spec(spec)
    except exception.Invalid as exc:
        lines, data = _error_lines(exc)
        walk.add('request_spec', False, 'the scheduler refuses the request',
                 lines, **data)
        return walk.report
    query = resources.to_querystring()
    walk.add('request_spec', True, 'RequestSpec and ResourceRequest built', [
        'required traits: %s' % (
            ', '.join(sorted(resources.all_required_traits)) or 'none'),
        'GET /allocation_candidates?' + query],
        required_traits=sorted(resources.all_required_traits),
        placement_query=query)

    candidates = _placement(walk, cloud, resources)
    if not candidates:
        return walk.report
    passed = _filters(walk, cloud, spec, candidates)
    if not passed:
        return walk.report
    real = [h for h in passed if h.real]
    if not real:
        walk.add('choose', False, 'no valid host that can run guests here '
                 '(simulated hosts only report)', [],
                 passed=[h.name for h in passed])
        return walk.report
    chosen = real[0]
    walk.add('choose', True, 'chosen host: %s' % chosen.name, [],
             host=chosen.name)
    _spawn(walk, chosen, flavor, boot_request.image)
    return walk.report
