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
from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_utils import versionutils

import nova.conf
from nova import exception
from nova.objects import fields
from nova.scheduler import host_manager
from nova.virt import driver
from nova.virt import hardware
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import guest as libvirt_guest
from nova.virt.libvirt import host as libvirt_host

LOG = logging.getLogger(__name__)
CONF = nova.conf.CONF

# <maxphysaddr> in the domain <cpu>: libvirt 8.7.0; QEMU's phys-bits and
# host-phys-bits CPU properties: QEMU 2.7.0.
MIN_LIBVIRT_MAXPHYSADDR = (8, 7, 0)
MIN_QEMU_MAXPHYSADDR = (2, 7, 0)
# libvirt 8.7 accepts mode='passthrough' only for a host-passthrough guest
# CPU; 9.0.0 accepts it with any CPU mode (measured, Debian 12).
MIN_LIBVIRT_MAXPHYSADDR_PASSTHROUGH_ANY_CPU = (9, 0, 0)
# host-phys-bits=on takes the host CPU's width from KVM; under TCG QEMU
# accepts it and keeps its default width (measured, QEMU 7.2).
PASSTHROUGH_VIRT_TYPE = 'kvm'
# libvirt's name for the QEMU/KVM hypervisor driver (virConnectGetType).
HV_TYPE_QEMU = 'QEMU'

# The virt types this driver builds guests for.
GUEST_VIRT_TYPES = ('kvm', 'qemu')
# x86 guests get q35: the machine the maxphysaddr sizing rule is measured on.
X86_MACHINE_TYPE = 'q35'
# [libvirt]cpu_mode unset under TCG: QEMU's own default x86_64 CPU, the same
# on every host (and AMD-vendor, as the sizing rule assumes).
TCG_DEFAULT_CPU_MODEL = 'qemu64'

# <memoryBacking> for [libvirt]file_backed_memory: RAM in a file, shared so
# that QEMU maps the file itself rather than a private copy.
FILE_BACKED_SOURCE = 'file'
FILE_BACKED_ACCESS = 'shared'


def _version_str(version: int | tuple[int, ...]) -> str:
    """'9.0.0' from libvirt's 9000000 or from (9, 0, 0)."""
    if isinstance(version, tuple):
        return '.'.join(str(part) for part in version)
    return versionutils.convert_version_to_str(version)


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
        if not self._host.has_min_version(MIN_LIBVIRT_MAXPHYSADDR,
                                          MIN_QEMU_MAXPHYSADDR, HV_TYPE_QEMU):
            return ('it needs libvirt >= %s with QEMU >= %s; this host has '
                    'libvirt %s with %s %s' % (
                        _version_str(MIN_LIBVIRT_MAXPHYSADDR),
                        _version_str(MIN_QEMU_MAXPHYSADDR),
                        _version_str(self._host.get_libversion()),
                        self._host.get_hypervisor_type(),
                        _version_str(self._host.get_version())))
        cpu = self._host.get_capabilities().host.cpu
        arch = fields.Architecture.canonicalize(cpu.arch)
        if arch not in fields.MAXPHYSADDR_ARCHES:
            return ('the physical address width can only be set on x86_64, '
                    'and this host is %s' % arch)
        if mode == fields.MaxPhysAddrMode.EMULATE:
            if cpu.maxphysaddr is None or cpu.maxphysaddr.bits is None:
                return ('the host capabilities do not report the host\'s '
                        'physical address width, so no width can be checked '
                        'against it')
            return None
        if CONF.libvirt.virt_type != PASSTHROUGH_VIRT_TYPE:
            return ('QEMU gives a guest the host\'s width only under KVM; '
                    'with virt_type=%s the guest would keep QEMU\'s default '
                    '%d bits (measured with QEMU 7.2 under TCG)' % (
                        CONF.libvirt.virt_type,
                        hardware.QEMU_DEFAULT_PHYS_BITS))
        cpu_mode = self._get_guest_cpu_mode()[0]
        if cpu_mode != fields.CPUMode.HOST_PASSTHROUGH and \
                not self._host.has_min_version(
                    MIN_LIBVIRT_MAXPHYSADDR_PASSTHROUGH_ANY_CPU):
            return ('libvirt %s accepts mode=passthrough only with '
                    '[libvirt]cpu_mode=host-passthrough (it is %s); libvirt '
                    '>= %s accepts any CPU mode' % (
                        _version_str(self._host.get_libversion()), cpu_mode,
                        _version_str(
                            MIN_LIBVIRT_MAXPHYSADDR_PASSTHROUGH_ANY_CPU)))
        return None

    def get_maxphysaddr_support(self) -> dict[str, str | None]:
        """For each mode: why this host cannot honour it, or None if it can.

        What operators see (``nova-maxphysaddr host``) behind the traits.
        """
        return {mode: self._maxphysaddr_unsupported_reason(mode)
                for mode in fields.MaxPhysAddrMode.ALL}

    @property
    def capabilities(self) -> dict[str, bool]:  # type: ignore[override]
        """Computed from the hypervisor on first use (and by init_host)."""
        if self._capabilities is None:
            self._capabilities = {
                'supports_address_space_emulated':
                    self._maxphysaddr_unsupported_reason(
                        fields.MaxPhysAddrMode.EMULATE) is None,
                'supports_address_space_passthrough':
                    self._maxphysaddr_unsupported_reason(
                        fields.MaxPhysAddrMode.PASSTHROUGH) is None,
            }
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
            info['maxphysaddr'] = {'mode': cpu.maxphysaddr.mode,
                                   'bits': cpu.maxphysaddr.bits}
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
        props = getattr(image_meta, 'properties', None)
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

    def _get_guest_config(self, instance: Any, image_meta: Any, flavor: Any
                          ) -> vconfig.LibvirtConfigGuest:
        """The domain for ``instance``; nothing is checked against the host
        here (see :meth:`_check_guest_config`).

        :raises: what :func:`nova.virt.hardware.get_maxphysaddr_request`
            raises for an invalid flavor/image, InvalidConfiguration
        """
        virt_type = CONF.libvirt.virt_type
        if virt_type not in GUEST_VIRT_TYPES:
            raise exception.InvalidConfiguration(
                group='libvirt', option='virt_type', value=virt_type,
                reason='this driver builds guests for %s only' %
                ' and '.join(GUEST_VIRT_TYPES))
        request = hardware.get_maxphysaddr_request(flavor, image_meta)
        arch = self._get_guest_arch(image_meta)
        guest = vconfig.LibvirtConfigGuest(
            virt_type=virt_type,
            name=instance.name,
            uuid=instance.uuid,
            memory=flavor.memory_mb * 1024,
            vcpus=flavor.vcpus,
            os_type=fields.VMMode.HVM,
            os_arch=arch,
            os_mach_type=(X86_MACHINE_TYPE if arch in fields.X86_ARCHES
                          else None),
            cpu=self._get_guest_cpu_config(request),
            devices=[vconfig.LibvirtConfigGuestSerial(type='pty'),
                     vconfig.LibvirtConfigGuestMemBalloon(model='none')],
        )
        if CONF.libvirt.file_backed_memory:
            guest.membacking = vconfig.LibvirtConfigGuestMemoryBacking(
                source_type=FILE_BACKED_SOURCE,
                access_mode=FILE_BACKED_ACCESS)
        return guest

    def _maxphysaddr_refusal(self, request: hardware.MaxPhysAddrRequest,
                             memory_mb: int) -> str | None:
        """Why this host cannot give a guest of ``memory_mb`` ``request``,
        or None when it can.

        The one host-side rule for every way a guest arrives here: spawn,
        live migration, cold migration and resize.  (A non-x86 guest never
        gets here: the resolver refuses a width for one.)
        """
        reason = self._maxphysaddr_unsupported_reason(request.mode)
        if reason is not None:
            return reason
        maxphysaddr = self._host.get_capabilities().host.cpu.maxphysaddr
        host_bits = None if maxphysaddr is None else maxphysaddr.bits
        if request.is_emulate:
            if request.bits > host_bits:
                return ('bits=%d is more than the host CPU\'s %d physical '
                        'address bits' % (request.bits, host_bits))
        elif host_bits is not None and not hardware.maxphysaddr_bits_fit(
                memory_mb, host_bits):
            # The API could not check this: the width is the host's.
            return ('passthrough gives the guest this host\'s %d physical '
                    'address bits, too few for %d MiB of RAM (it needs at '
                    'least %d)' % (host_bits, memory_mb,
                                   hardware.get_min_maxphysaddr_bits(
                                       memory_mb)))
        return None

    def _check_guest_config(self, guest: vconfig.LibvirtConfigGuest) -> None:
        """Refuse a ``<maxphysaddr>`` this host cannot honour, before libvirt
        or QEMU would, so the compute manager can try another host.

        The scheduler already matched the trait and the host's width; this
        catches what changed since (or a forced host).

        :raises MaxPhysAddrUnsupported: reschedulable
        """
        if guest.cpu is None or guest.cpu.maxphysaddr is None:
            return
        wanted = guest.cpu.maxphysaddr
        request = hardware.MaxPhysAddrRequest(wanted.mode, wanted.bits)
        reason = self._maxphysaddr_refusal(request, guest.memory // 1024)
        if reason is not None:
            raise exception.MaxPhysAddrUnsupported(
                host=self._host.get_hostname(), request=str(request),
                reason=reason)

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

        The source's record is read with the scheduler's own reader, so a
        width the scheduler would call unknown is unknown here too; unknown
        on either side refuses (the guest's width could change).
        """
        name = str(src_compute_info.get('hypervisor_hostname') or 'source')
        source = host_manager.HostState(name, name)
        source.update(src_compute_info)
        maxphysaddr = self._host.get_capabilities().host.cpu.maxphysaddr
        dest_bits = None if maxphysaddr is None else maxphysaddr.bits
        if source.maxphysaddr_bits is None:
            return ('cannot be kept: the source host\'s physical address '
                    'width is unknown (%s), and a passthrough guest must '
                    'keep the width it sees' %
                    source.maxphysaddr_unknown_reason)
        if dest_bits is None:
            return ('cannot be kept: this host does not report its physical '
                    'address width, and a passthrough guest must keep the '
                    '%d bits it sees on the source' % source.maxphysaddr_bits)
        if dest_bits != source.maxphysaddr_bits:
            return ('would change the %d physical address bits the running '
                    'guest sees on the source to %d: a passthrough guest '
                    'sees the host CPU\'s width, which must not change under '
                    'it' % (source.maxphysaddr_bits, dest_bits))
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
        reason = self._maxphysaddr_refusal(request, flavor.memory_mb)
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
        source's (an ``emulate`` guest sees its fixed bits anywhere).

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
        guest = self._get_guest_config(instance, image_meta, flavor)
        self._check_guest_config(guest)
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
        domain = self._lookup(instance)
        if domain is None:
            return
        try:
            try:
                domain.destroy()
            except libvirt.libvirtError:
                # Not running (it may have stopped on its own): fine.
                if domain.isActive():
                    raise
            if domain.isPersistent():
                domain.undefine()
        except libvirt.libvirtError as exc:
            raise exception.InstanceTerminationFailure(
                name=instance.name, reason=exc.get_error_message())
