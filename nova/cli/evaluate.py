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

"""Will this flavor (and image) boot, and where?  The judgement ``check``
and ``audit`` print, made by the tree's own code: the API's validation,
the sizing rule, and the scheduler's width check on each host's
``cpu_info``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from nova_maxphysaddr.rules import sizing
from nova_maxphysaddr.rules import values

from nova.cli import common
from nova.cli import inputs
from nova.compute import api as compute_api
from nova import exception
from nova import objects
from nova.scheduler.filters import maxphysaddr as width_filter
from nova.scheduler import host_manager
from nova.virt import hardware

SET_COMMAND = ('openstack flavor set %s --property %s=emulate '
               '--property %s=%d')


@dataclasses.dataclass
class FlavorReport:
    """One flavor's verdict, in the field names every command uses."""

    flavor: str
    memory_mb: int
    machine_type: str | None
    maxphysaddr: dict[str, Any] | None = None
    min_bits: int = 0
    min_bits_intel_vendor: int = 0
    default_bits: int = values.QEMU_DEFAULT_BITS
    error: dict[str, Any] | None = None
    not_checked: list[str] = dataclasses.field(default_factory=list)
    lands_on: list[str] | None = None
    """Hosts that can take it, or None when no hosts were given."""
    fix: list[str] = dataclasses.field(default_factory=list)
    result: common.Verdict = dataclasses.field(
        default_factory=common.Verdict)

    def as_dict(self) -> dict[str, Any]:
        """The verdict first, then the facts behind it."""
        doc = {'flavor': self.flavor, 'verdict': self.result.verdict,
               'messages': self.result.messages, 'fix': self.fix}
        doc.update((k, v) for k, v in dataclasses.asdict(self).items()
                   if k not in doc and k != 'result')
        return doc


def request_dict(request: hardware.MaxPhysAddrRequest | None
                 ) -> dict[str, Any] | None:
    """A request as JSON, the same in every command's output."""
    if request is None:
        return None
    return {'mode': request.mode, 'bits': request.bits}


def host_state(hypervisor: inputs.Hypervisor) -> host_manager.HostState:
    state = host_manager.HostState(hypervisor.name, hypervisor.name)
    state.update(hypervisor.record)
    return state


def _fix_command(flavor: Any, layout: sizing.GuestLayout) -> str:
    """The command that gives the flavor the advised width (never below
    QEMU's default: that would only shrink the guest's address space)."""
    return SET_COMMAND % (flavor.name, values.FLAVOR_MODE_KEY,
                          values.FLAVOR_BITS_KEY,
                          sizing.advised_bits(layout))


def _trait_refusal(request: hardware.MaxPhysAddrRequest,
                   hypervisor: inputs.Hypervisor,
                   state: host_manager.HostState) -> str | None:
    """Why Placement would not offer the host, or None.

    Without the host's traits: a host that publishes its width runs a
    libvirt that reports ``COMPUTE_ADDRESS_SPACE_EMULATED``; whether it
    reports ``..._PASSTHROUGH`` (KVM only) cannot be told.
    """
    trait = values.MODE_TRAITS[request.mode]
    if hypervisor.traits is not None:
        return None if trait in hypervisor.traits else (
            'does not report trait %s' % trait)
    if request.is_emulate and state.maxphysaddr_bits is None:
        return 'reports no width, so no %s (%s)' % (
            trait, state.maxphysaddr_unknown_reason)
    return None


def evaluate(flavor: Any, image_props: Mapping[str, Any],
             hypervisors: Sequence[inputs.Hypervisor] | None = None
             ) -> FlavorReport:
    """Judge one boot request: valid, bootable, and on which hosts."""
    report = FlavorReport(flavor.name or '?', flavor.memory_mb, None)
    try:
        boot = compute_api.validate_boot_request(flavor, image_props)
    except exception.Invalid as exc:
        report.error = common.error_dict(exc)
        report.result.add(common.FAILURE, 'refused by the API (HTTP %d): %s'
                          % (exc.code, exc.format_message()))
        if isinstance(exc, exception.MaxPhysAddrBitsTooSmall):
            # The image was valid: only the width was refused.
            image = objects.ImageMeta.from_dict(
                {'properties': dict(image_props)})
            report.fix.append(_fix_command(
                flavor, hardware.get_guest_layout(flavor, image)))
        return report
    layout = hardware.get_guest_layout(flavor, boot.image)
    report.machine_type = layout.machine_type
    report.min_bits = sizing.min_bits(layout)
    report.min_bits_intel_vendor = sizing.min_bits(layout, amd_vendor=False)
    report.maxphysaddr = request_dict(boot.maxphysaddr)
    report.not_checked = boot.not_checked
    if boot.not_checked:
        report.result.add(common.WARNING, 'not checked by this tool (Nova '
                          'validates them): %s' % ', '.join(boot.not_checked))
    if boot.maxphysaddr is None and not sizing.qemu_default_fits(layout):
        if report.min_bits > values.BITS_MAX:
            report.result.add(common.FAILURE, (
                'will not boot: %s of RAM needs %d physical address bits, '
                'more than QEMU allows (%d)' % (
                    common.format_mib(flavor.memory_mb), report.min_bits,
                    values.BITS_MAX)))
            return report
        report.result.add(common.FAILURE, (
            'will not boot: no hw:maxphysaddr_* is set, so QEMU gives the '
            'guest its default %d physical address bits, too few for %s of '
            'RAM (it needs %d: QEMU refuses with "phys-bits too low")' % (
                values.QEMU_DEFAULT_BITS, common.format_mib(flavor.memory_mb),
                report.min_bits)))
        report.fix.append(_fix_command(flavor, layout))
        return report
    if hypervisors is not None:
        _place(report, flavor, boot, hypervisors)
    elif boot.maxphysaddr is not None and boot.maxphysaddr.is_passthrough:
        # The width is the host's, not the flavor's: without the hosts,
        # whether it boots cannot be told.
        report.result.add(common.WARNING, (
            'passthrough gives the guest its host\'s width: it boots only '
            'on hosts with %s and at least %d physical address bits; give '
            'the hosts (--hypervisor) to check' % (
                values.MODE_TRAITS[values.PASSTHROUGH], report.min_bits)))
    return report


def _place(report: FlavorReport, flavor: Any,
           boot: compute_api.BootRequest,
           hypervisors: Sequence[inputs.Hypervisor]) -> None:
    """Which hosts the scheduler could choose (trait, then width)."""
    check = width_filter.width_check(flavor, boot.image)
    request = boot.maxphysaddr
    report.lands_on = []
    widths = []
    for hypervisor in hypervisors:
        state = host_state(hypervisor)
        if state.maxphysaddr_bits is not None:
            widths.append(state.maxphysaddr_bits)
        if request is not None and _trait_refusal(request, hypervisor,
                                                  state):
            continue
        if check is None or check(state) is None:
            report.lands_on.append(hypervisor.name)
    if request is not None and request.is_passthrough and any(
            h.traits is None for h in hypervisors):
        report.result.add(common.WARNING, (
            'which hosts report COMPUTE_ADDRESS_SPACE_PASSTHROUGH cannot be '
            'told from hypervisor show; give their traits (--traits)'))
    if report.lands_on:
        return
    layout = hardware.get_guest_layout(flavor, boot.image)
    if request is not None and widths and \
            sizing.advised_bits(layout) <= max(widths):
        report.fix.append(_fix_command(flavor, layout))
    if request is None:
        why = 'no hosts were given'
    elif request.bits is not None:
        why = ('the widest host has %d physical address bits, the guest '
               'asks for %d' % (max(widths), request.bits) if widths
               else 'no host reports its physical address width')
    else:
        why = ('no host reports %s with a width that holds %s' % (
            values.MODE_TRAITS[request.mode],
            common.format_mib(flavor.memory_mb)))
    report.result.add(common.FAILURE,
                      'no host can take it (NoValidHost): ' + why)
