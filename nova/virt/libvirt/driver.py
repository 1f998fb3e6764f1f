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

"""The libvirt compute driver: what the host reports, and the guests it builds.

For the maxphysaddr feature this driver:

* reports ``COMPUTE_ADDRESS_SPACE_EMULATED`` / ``..._PASSTHROUGH`` (through
  ``capabilities``) only when this host can honour them;
* publishes the host's physical address width in ``cpu_info['maxphysaddr']``
  for the scheduler filters;
* writes ``<maxphysaddr>`` into the guest ``<cpu>`` from the one resolver in
  :mod:`nova.virt.hardware`;
* re-checks, before libvirt sees the guest, what the scheduler assumed, and
  refuses with a reschedulable error instead of a libvirt or QEMU failure;
* on the destination of a move, refuses a guest whose width this host cannot
  honour or, for a live passthrough guest, would change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import libvirt
from nova_maxphysaddr.rules import host as host_rules
from nova_maxphysaddr.rules import values
from oslo_log import log as logging
from oslo_serialization import jsonutils

import nova.conf
from nova import exception
from nova.objects import fields
from nova.virt import driver
from nova.virt import hardware
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import guest as libvirt_guest
from nova.virt.libvirt import host as libvirt_host
from nova.virt.libvirt import maxphysaddr

LOG = logging.getLogger(__name__)
CONF = nova.conf.CONF

# The virt types this driver builds guests for.
GUEST_VIRT_TYPES = ('kvm', 'qemu')
# [libvirt]cpu_mode unset under TCG: QEMU's own default x86_64 CPU, the same
# on every host (and AMD-vendor, as the sizing rule assumes).
TCG_DEFAULT_CPU_MODEL = 'qemu64'

# <memoryBacking> for [libvirt]file_backed_memory: RAM in a file, shared so
# that QEMU maps the file itself rather than a private copy.
FILE_BACKED_SOURCE = 'file'
FILE_BACKED_ACCESS = 'shared'


class LibvirtDriver(driver.ComputeDriver):
    """The compute driver for libvirt's QEMU/KVM hypervisor."""

    def __init__(self, host: libvirt_host.Host | None = None) -> None:
        self._host = host if host is not None else libvirt_host.Host()
        self._capabilities: dict[str, bool] | None = None

    # --- configuration ------------------------------------------------------

    @staticmethod
    def _get_guest_cpu_mode() -> tuple[str | None, str | None]:
        """The guest CPU ``(mode, model)`` from ``[libvirt]``.

        ``(None, None)``: no ``<cpu>`` element at all.

        :raises InvalidConfiguration: a combination that cannot work
        """
        virt_type = CONF.libvirt.virt_type
        mode = CONF.libvirt.cpu_mode
        models = CONF.libvirt.cpu_models
        if virt_type not in GUEST_VIRT_TYPES:
            if mode is not None:
                raise exception.InvalidConfiguration(
                    group='libvirt', option='cpu_mode', value=mode,
                    reason='CPU modes are only used with virt_type %s, not %s'
                    % (' or '.join(GUEST_VIRT_TYPES), virt_type))
            return None, None
        if models and mode != fields.CPUMode.CUSTOM:
            raise exception.InvalidConfiguration(
                group='libvirt', option='cpu_models', value=models,
                reason='only valid with cpu_mode=custom, and cpu_mode is %s'
                % mode)
        if mode is None:
            if virt_type == 'qemu':
                return fields.CPUMode.CUSTOM, TCG_DEFAULT_CPU_MODEL
            return fields.CPUMode.HOST_MODEL, None
        if mode == fields.CPUMode.CUSTOM:
            if not models:
                raise exception.InvalidConfiguration(
                    group='libvirt', option='cpu_mode', value=mode,
                    reason='needs a CPU model: set [libvirt]cpu_models')
            return mode, models[0]
        if mode == fields.CPUMode.HOST_PASSTHROUGH and virt_type == 'qemu':
            raise exception.InvalidConfiguration(
                group='libvirt', option='cpu_mode', value=mode,
                reason='QEMU cannot pass the host CPU through under '
                       'emulation (virt_type=qemu); use custom, host-model, '
                       'maximum or none')
        if mode == fields.CPUMode.NONE:
            return None, None
        return mode, None

    def init_host(self, host: str) -> None:
        """Refuse to run with a configuration no guest could start with,
        then (re)compute the capabilities from the hypervisor."""
        self._get_guest_cpu_mode()
        self._capabilities = None
        LOG.info('libvirt driver on %s: capabilities %s', host,
                 self.capabilities)

    # --- capabilities and traits ---------------------------------------------

    def _maxphysaddr_unsupported_reason(self, mode: str) -> str | None:
        """Why this host cannot give any guest ``<maxphysaddr mode=mode>``,
        or None when it can."""
        return maxphysaddr.unsupported_reason(
            self._host, mode, CONF.libvirt.virt_type,
            self._get_guest_cpu_mode()[0])

    def get_maxphysaddr_support(self) -> dict[str, str | None]:
        """For each mode: why this host cannot honour it, or None if it can.

        What operators see (``nova-maxphysaddr host``) behind the traits.
        """
        return {mode: self._maxphysaddr_unsupported_reason(mode)
                for mode in values.MODES}

    @property
    def capabilities(self) -> dict[str, bool]:  # type: ignore[override]
        """Computed from the hypervisor on first use (and by init_host)."""
        if self._capabilities is None:
            support = self.get_maxphysaddr_support()
            self._capabilities = {
                driver.MODE_CAPABILITIES[mode]: reason is None
                for mode, reason in support.items()}
        return self._capabilities

    # --- host resources ------------------------------------------------------

    def _get_cpu_info(self) -> dict[str, Any]:
        """The host CPU as the compute node record stores it (``cpu_info``).

        ``maxphysaddr`` is present exactly when the host capabilities have
        the element; values libvirt wrote that we cannot use are None, which
        the scheduler treats as unknown.
        """
        cpu = self._host.get_capabilities().host.cpu
        info: dict[str, Any] = {
            'arch': cpu.arch,
            'model': cpu.model,
            'vendor': cpu.vendor,
            'topology': {'sockets': cpu.sockets, 'cores': cpu.cores,
                         'threads': cpu.threads},
            'features': sorted({f.name for f in cpu.features if f.name}),
        }
        if cpu.maxphysaddr is not None:
            info[host_rules.CPU_INFO_KEY] = host_rules.cpu_info_entry(
                cpu.maxphysaddr.mode, cpu.maxphysaddr.bits)
        return info

    def _get_supported_instances(self) -> list[list[str]]:
        """``[arch, hv_type, vm_mode]`` for each guest the host can run."""
        supported = []
        for guest in self._host.get_capabilities().guests:
            for domain in guest.domains:
                triple = [
                    fields.Architecture.canonicalize(guest.arch or ''),
                    (domain.type or '').lower(),
                    (guest.ostype or '').lower(),
                ]
                if (triple[0] not in fields.Architecture.ALL or
                        triple[1] not in fields.HVType.ALL or
                        triple[2] not in fields.VMMode.ALL):
                    LOG.debug('Not reporting guest type %s: unknown to Nova',
                              triple)
                    continue
                if triple not in supported:
                    supported.append(triple)
        return supported

    def get_available_resource(self, nodename: str | None = None
                               ) -> dict[str, Any]:
        """The compute node record; ``cpu_info`` is a JSON string, as Nova
        stores it."""
        return {
            'vcpus': self._host.get_cpu_count(),
            # With file-backed memory, guests' RAM is in files: the capacity
            # is what the operator set aside for them, not the host's RAM.
            'memory_mb': (CONF.libvirt.file_backed_memory or
                          self._host.get_memory_mb_total()),
            # Guests built here have no local disk.
            'local_gb': 0,
            'hypervisor_type': self._host.get_hypervisor_type(),
            'hypervisor_version': self._host.get_version(),
            'hypervisor_hostname': self._host.get_hostname(),
            'cpu_info': jsonutils.dumps(self._get_cpu_info()),
            'supported_instances': self._get_supported_instances(),
        }

    # --- guest config --------------------------------------------------------

    def _get_guest_arch(self, image_meta: Any) -> str:
        props = hardware.image_props(image_meta)
        arch = props.get('hw_architecture') if props is not None else None
        if arch is None:
            arch = self._host.get_capabilities().host.cpu.arch
        return fields.Architecture.canonicalize(arch)

    def _get_guest_cpu_config(self, request: hardware.MaxPhysAddrRequest | None
                              ) -> vconfig.LibvirtConfigGuestCPU | None:
        mode, model = self._get_guest_cpu_mode()
        if mode is None and request is None:
            return None
        cpu = vconfig.LibvirtConfigGuestCPU(mode=mode, model=model)
        if model is not None:
            cpu.match = 'exact'
        if request is not None:
            cpu.maxphysaddr = vconfig.LibvirtConfigGuestCPUMaxPhysAddr(
                mode=request.mode, bits=request.bits)
        return cpu

    def _get_guest_config(self, instance: Any, image_meta: Any, flavor: Any,
                          request: hardware.MaxPhysAddrRequest | None
                          ) -> vconfig.LibvirtConfigGuest:
        """The domain for ``instance`` with the maxphysaddr ``request``
        already resolved (and checked) by the caller.

        :raises InvalidConfiguration: a virt type this driver cannot build
        """
        virt_type = CONF.libvirt.virt_type
        if virt_type not in GUEST_VIRT_TYPES:
            raise exception.InvalidConfiguration(
                group='libvirt', option='virt_type', value=virt_type,
                reason='this driver builds guests for %s only' %
                ' and '.join(GUEST_VIRT_TYPES))
        arch = self._get_guest_arch(image_meta)
        guest = vconfig.LibvirtConfigGuest(
            virt_type=virt_type,
            name=instance.name,
            uuid=instance.uuid,
            memory=flavor.memory_mb * 1024,
            vcpus=flavor.vcpus,
            os_type=fields.VMMode.HVM,
            os_arch=arch,
            os_mach_type=hardware.get_machine_type(image_meta, arch),
            cpu=self._get_guest_cpu_config(request),
            devices=[vconfig.LibvirtConfigGuestSerial(type='pty'),
                     vconfig.LibvirtConfigGuestMemBalloon(model='none')],
        )
        if CONF.libvirt.file_backed_memory:
            guest.membacking = vconfig.LibvirtConfigGuestMemoryBacking(
                source_type=FILE_BACKED_SOURCE,
                access_mode=FILE_BACKED_ACCESS)
        return guest

    def _host_width(self) -> int | None:
        maxphysaddr = self._host.get_capabilities().host.cpu.maxphysaddr
        return None if maxphysaddr is None else maxphysaddr.bits

    def _maxphysaddr_refusal(self, request: hardware.MaxPhysAddrRequest,
                             flavor: Any, image_meta: Any) -> str | None:
        """Why this host cannot give the guest ``request``, or None when it
        can: the one host-side check for every way a guest arrives here
        (spawn, live migration, cold migration and resize)."""
        reason = self._maxphysaddr_unsupported_reason(request.mode)
        if reason is not None:
            return reason
        return host_rules.width_refusal(
            request, hardware.get_guest_layout(flavor, image_meta),
            self._host_width())

    def _resolve_and_check(self, flavor: Any, image_meta: Any
                           ) -> hardware.MaxPhysAddrRequest | None:
        """The guest's request, refused before libvirt or QEMU would (or
        would silently give the guest another width), so the compute
        manager can try another host.  The scheduler matched the trait and
        the width already; this catches what changed since (or a forced
        host).

        :raises MaxPhysAddrUnsupported: reschedulable
        :raises: what :func:`nova.virt.hardware.get_maxphysaddr_request`
            raises for an invalid flavor/image
        """
        request = hardware.get_maxphysaddr_request(flavor, image_meta)
        if request is None:
            return None
        reason = self._maxphysaddr_refusal(request, flavor, image_meta)
        if reason is not None:
            raise exception.MaxPhysAddrUnsupported(
                host=self._host.get_hostname(), request=str(request),
                reason=reason)
        return request

    # --- moves: live migration, cold migration and resize -------------------

    def _refuse_move(self, request: hardware.MaxPhysAddrRequest,
                     reason: str) -> exception.MaxPhysAddrMigrationError:
        return exception.MaxPhysAddrMigrationError(
            host=self._host.get_hostname(), request=str(request),
            reason=reason)

    def _passthrough_width_change(self, src_compute_info: Mapping[str, Any]
                                  ) -> str | None:
        """Why a running passthrough guest would see another width here, or
        None when this host's width is the source's.

        The source's record is read as the scheduler reads it, so a width
        the scheduler would call unknown is unknown here too; unknown on
        either side refuses (the guest's width could change).
        """
        cpu_info, source_unknown = host_rules.decode_cpu_info(
            src_compute_info.get('cpu_info'))
        source_bits = None
        if source_unknown is None:
            source_bits, source_unknown = host_rules.read_width(cpu_info)
        dest_bits = self._host_width()
        if source_bits is None:
            return ('cannot be kept: the source host\'s physical address '
                    'width is unknown (%s), and a passthrough guest must '
                    'keep the width it sees' % source_unknown)
        if dest_bits is None:
            return ('cannot be kept: this host does not report its physical '
                    'address width, and a passthrough guest must keep the '
                    '%d bits it sees on the source' % source_bits)
        if dest_bits != source_bits:
            return ('would change the %d physical address bits the running '
                    'guest sees on the source to %d: a passthrough guest '
                    'sees the host CPU\'s width, which must not change under '
                    'it' % (source_bits, dest_bits))
        return None

    def check_can_migrate_destination(
            self, instance: Any, image_meta: Any, flavor: Any = None
            ) -> hardware.MaxPhysAddrRequest | None:
        """On the destination, before the source powers the guest off:
        refuse a cold migration or resize this host cannot honour.

        The guest restarts here with ``flavor`` (the new one for a resize,
        the instance's own for a cold migration), resolved with the image
        exactly as at boot and checked exactly as spawn will check it.  A
        restarted guest may see another width than before, so unlike a live
        migration a passthrough guest may move between widths.  Nova's
        conductor tries another destination on a ``MigrationPreCheckError``.

        :returns: the guest's request with ``flavor``, or None when it has
            none (any host will do)
        :raises MaxPhysAddrMigrationError: this host cannot honour it
        :raises: what :func:`nova.virt.hardware.get_maxphysaddr_request`
            raises (an invalid new flavor/image combination)
        """
        flavor = flavor if flavor is not None else instance.flavor
        request = hardware.get_maxphysaddr_request(flavor, image_meta)
        if request is None:
            return None
        reason = self._maxphysaddr_refusal(request, flavor, image_meta)
        if reason is not None:
            raise self._refuse_move(request,
                                    'cannot be honoured here: ' + reason)
        return request

    def check_can_live_migrate_destination(
            self, instance: Any, image_meta: Any,
            src_compute_info: Mapping[str, Any]
            ) -> hardware.MaxPhysAddrRequest | None:
        """On the destination: refuse a live migration that would change
        the physical address width a running guest sees.

        The guest keeps its domain XML and its flavor, so everything a cold
        migration checks applies; in addition a ``passthrough`` guest, which
        sees the host CPU's own width, needs this host's width to be the
        source's.  An ``emulate`` guest sees its fixed bits anywhere: no
        host gives one another width (those that would, under KVM with a
        host-passthrough or maximum CPU, refuse it).

        :param instance: the instance; its ``flavor`` is the one it runs with
        :param image_meta: the instance's image metadata
        :param src_compute_info: the source's compute node record (as
            ``get_available_resource()`` returns it); its ``cpu_info``
            gives the source's width
        :returns: the guest's request, or None when it has none
        :raises MaxPhysAddrMigrationError: this host cannot keep the guest's
            width
        :raises: what :func:`nova.virt.hardware.get_maxphysaddr_request`
            raises
        """
        request = self.check_can_migrate_destination(instance, image_meta)
        if request is not None and request.is_passthrough:
            reason = self._passthrough_width_change(src_compute_info)
            if reason is not None:
                raise self._refuse_move(request, reason)
        return request

    # --- guest lifecycle -----------------------------------------------------

    def _lookup(self, instance: Any) -> Any:
        """The instance's domain, or None."""
        try:
            return self._host.get_connection().lookupByUUIDString(
                instance.uuid)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise

    def get_guest(self, instance: Any) -> libvirt_guest.Guest | None:
        """The instance's running or defined guest, or None."""
        domain = self._lookup(instance)
        return libvirt_guest.Guest(domain) if domain is not None else None

    def spawn(self, instance: Any, image_meta: Any, flavor: Any) -> None:
        """Build, check, define and start the guest.

        :raises MaxPhysAddrUnsupported: this host cannot honour the guest's
            maxphysaddr request (reschedulable)
        :raises InstanceBootFailed: libvirt or QEMU refused; the reason is
            libvirt's own message
        """
        request = self._resolve_and_check(flavor, image_meta)
        guest = self._get_guest_config(instance, image_meta, flavor, request)
        if self._lookup(instance) is not None:
            raise exception.InstanceBootFailed(
                name=instance.name, action='define',
                reason='libvirt already has a domain with UUID %s' %
                instance.uuid)
        xml = guest.to_xml()
        LOG.debug('Defining guest %s:\n%s', instance.name, xml)
        conn = self._host.get_connection()
        try:
            domain = conn.defineXML(xml)
        except libvirt.libvirtError as exc:
            raise exception.InstanceBootFailed(
                name=instance.name, action='define',
                reason=exc.get_error_message())
        try:
            domain.create()
        except libvirt.libvirtError as exc:
            # Leave nothing behind: the guest was ours, defined just now.
            try:
                domain.undefine()
            except libvirt.libvirtError as undefine_exc:
                LOG.warning('Could not undefine guest %s after it failed '
                            'to start: %s', instance.name,
                            undefine_exc.get_error_message())
            raise exception.InstanceBootFailed(
                name=instance.name, action='start',
                reason=exc.get_error_message())
        LOG.info('Guest %s started', instance.name)

    def destroy(self, instance: Any) -> None:
        """Stop and undefine the guest; a missing guest is not an error.

        :raises InstanceTerminationFailure: libvirt refused
        """
        guest = self.get_guest(instance)
        if guest is None:
            return
        try:
            guest.destroy()
        except libvirt.libvirtError as exc:
            raise exception.InstanceTerminationFailure(
                name=instance.name, reason=exc.get_error_message())
