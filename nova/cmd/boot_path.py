"""One boot request through Nova's path: API, scheduler, compute.

Each step records what it decided and why, as plain data, so the command
line can print it for an operator or as JSON; the decisions themselves are
made by the real code (validators, resolver, ``ResourceRequest``, both
filters, ``LibvirtDriver``), never re-implemented here.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from lxml import etree
from oslo_serialization import jsonutils

from nova.api.validation.extra_specs import validators
from nova import exception
from nova import objects
from nova.scheduler import filter_handler
from nova.scheduler import host_manager
from nova.scheduler import utils as scheduler_utils
from nova.virt import hardware
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import guest as libvirt_guest

# Placement inventory a flavor's resources are checked against.
_RECORD_INVENTORY = {'VCPU': 'vcpus', 'MEMORY_MB': 'memory_mb',
                     'DISK_GB': 'local_gb'}


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
    name: str
    ok: bool
    summary: str
    details: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class BootReport:
    steps: list[Step] = dataclasses.field(default_factory=list)
    booted: bool = False

    def add(self, name: str, ok: bool, summary: str, **details: Any) -> bool:
        self.steps.append(Step(name, ok, summary, details))
        return ok

    def as_dict(self) -> dict[str, Any]:
        return {'booted': self.booted,
                'steps': [dataclasses.asdict(s) for s in self.steps]}


def _error(exc: exception.NovaException) -> dict[str, Any]:
    return {'type': type(exc).__name__, 'message': str(exc)}


def validate_request(flavor: Any, image_props: dict[str, Any]
                     ) -> tuple[Any, hardware.MaxPhysAddrRequest | None]:
    """What Nova's API checks at boot: the flavor's extra specs, the image's
    properties, and the maxphysaddr request they resolve to.

    :returns: the ``ImageMeta`` and the request (or None)
    :raises Invalid: the API's refusal (HTTP 400)
    """
    validators.validate_all(flavor.extra_specs)
    image = objects.ImageMeta.from_dict(
        {'name': 'image', 'properties': image_props})
    return image, hardware.get_maxphysaddr_request(flavor, image)


def _api(report: BootReport, flavor: Any, image_props: dict[str, Any]
         ) -> tuple[Any, Any] | None:
    try:
        image, request = validate_request(flavor, image_props)
    except exception.Invalid as exc:
        report.add('api', False, 'the API refuses the request (HTTP %d)'
                   % exc.code, error=_error(exc))
        return None
    report.add('api', True, 'flavor and image are valid',
               maxphysaddr=str(request) if request else None)
    return image, request


def _placement(report: BootReport, resources: scheduler_utils.ResourceRequest,
               hosts: list[ComputeHost]) -> list[tuple[ComputeHost, dict]]:
    """What ``GET /allocation_candidates`` would answer, from each host's
    reported traits and inventory."""
    group = resources.get_request_group()
    candidates, refused = [], []
    for host in hosts:
        try:
            record = host.driver.get_available_resource()
            traits = {t for t, on in
                      host.driver.capabilities_as_traits().items() if on}
        except exception.NovaException as exc:
            refused.append({'host': host.name, 'reason': 'unavailable: %s'
                            % exc})
            continue
        missing = sorted(group.required_traits - traits)
        forbidden = sorted(group.forbidden_traits & traits)
        short = sorted(rc for rc, amount in group.resources.items()
                       if record.get(_RECORD_INVENTORY.get(rc), 0) < amount)
        reasons = []
        if missing:
            reasons.append('lacks required trait(s) %s' % ', '.join(missing))
        if forbidden:
            reasons.append('has forbidden trait(s) %s' % ', '.join(forbidden))
        if short:
            reasons.append('not enough %s' % ', '.join(short))
        if reasons:
            refused.append({'host': host.name, 'reason': '; '.join(reasons),
                            'traits': sorted(traits)})
        else:
            candidates.append((host, record))
    report.add('placement', bool(candidates),
               '%d of %d hosts are allocation candidates' % (
                   len(candidates), len(hosts)),
               candidates=[h.name for h, _ in candidates], refused=refused)
    return candidates


def _filters(report: BootReport, spec: Any,
             candidates: list[tuple[ComputeHost, dict]]) -> list[ComputeHost]:
    by_name = {}
    states = []
    for host, record in candidates:
        state = host_manager.HostState(host.name, host.name)
        state.update(record)
        states.append(state)
        by_name[host.name] = host
    passed, rejections = filter_handler.get_filtered_hosts(
        states, spec, filter_handler.get_filters())
    report.add(
        'filters', bool(passed), '%d host(s) pass %s' % (
            len(passed), ' and '.join(filter_handler.DEFAULT_FILTERS)),
        passed=[s.host for s in passed],
        rejected=[{'host': r.host_state.host, 'filter': r.filter_name,
                   'reason': r.reason} for r in rejections],
        host_bits={s.host: s.maxphysaddr_bits for s in states})
    return [by_name[s.host] for s in passed]


def _cpu_xml(domain_xml: str) -> str | None:
    root = vconfig.parse_xml(domain_xml, 'domain XML')
    cpu = root.find('cpu')
    if cpu is None:
        return None
    return etree.tostring(cpu, encoding='unicode').strip()


def _spawn(report: BootReport, host: ComputeHost, flavor: Any, image: Any
           ) -> None:
    instance = objects.Instance(uuid=str(uuid.uuid4()),
                                name='maxphysaddr-demo-%s' % flavor.name,
                                display_name=flavor.name)
    try:
        host.driver.spawn(instance, image, flavor)
    except exception.MaxPhysAddrUnsupported as exc:
        report.add('spawn', False, 'compute host %s refused before libvirt '
                   '(reschedulable)' % host.name, error=_error(exc))
        return
    except exception.InstanceBootFailed as exc:
        too_low = libvirt_guest.find_phys_bits_too_low(str(exc))
        report.add('spawn', False, 'libvirt/QEMU refused the guest',
                   error=_error(exc),
                   explanation=too_low.explain() if too_low else None)
        return
    try:
        guest = host.driver.get_guest(instance)
        details: dict[str, Any] = {'domain': instance.name,
                                   'cpu_xml': _cpu_xml(guest.get_xml_desc())}
        if host.host.get_hypervisor_type() == 'QEMU':
            details['qemu_cpu_arg'] = guest.get_qemu_cpu_arg()
            details['qemu_phys_bits'] = str(guest.get_phys_bits())
        report.add('spawn', True, 'guest defined and started on %s'
                   % host.name, **details)
        report.booted = True
    finally:
        host.driver.destroy(instance)


def boot(flavor: Any, image_props: dict[str, Any],
         hosts: list[ComputeHost]) -> BootReport:
    """Run one boot request through API, scheduler and compute."""
    report = BootReport()
    api = _api(report, flavor, image_props)
    if api is None:
        return report
    image, _request = api

    spec = objects.RequestSpec(flavor=flavor, image=image, num_instances=1)
    try:
        resources = scheduler_utils.ResourceRequest.from_request_spec(spec)
    except exception.Invalid as exc:
        report.add('request_spec', False, 'the scheduler refuses the request',
                   error=_error(exc))
        return report
    report.add('request_spec', True, 'RequestSpec and ResourceRequest built',
               required_traits=sorted(resources.all_required_traits),
               placement_query='GET /allocation_candidates?' +
                               resources.to_querystring())

    candidates = _placement(report, resources, hosts)
    if not candidates:
        return report
    passed = _filters(report, spec, candidates)
    real = [h for h in passed if h.real]
    if not real:
        report.add('choose', False, 'no valid host that can run guests here '
                   '(simulated hosts only report)',
                   passed=[h.name for h in passed])
        return report
    chosen = real[0]
    report.add('choose', True, 'chosen host: %s' % chosen.name,
               host=chosen.name)
    _spawn(report, chosen, flavor, image)
    return report


def describe_host(host: ComputeHost) -> dict[str, Any]:
    """What a compute host reports, and why each trait is or is not."""
    drv = host.driver
    record = drv.get_available_resource()
    cpu_info = jsonutils.loads(record['cpu_info'])
    return {
        'host': host.name,
        'uri': host.host.uri,
        'libvirt_version': host.host.get_libversion(),
        'hypervisor_type': record['hypervisor_type'],
        'hypervisor_version': record['hypervisor_version'],
        'arch': cpu_info.get('arch'),
        'maxphysaddr': cpu_info.get('maxphysaddr'),
        'traits': drv.capabilities_as_traits(),
        'unsupported_reasons': drv.get_maxphysaddr_support(),
    }
