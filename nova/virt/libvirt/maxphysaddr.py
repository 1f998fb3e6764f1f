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

"""Whether this libvirt host can give guests the width they ask for.

The libvirt driver reports ``COMPUTE_ADDRESS_SPACE_EMULATED`` /
``..._PASSTHROUGH`` only for a mode this module finds no reason against,
and refuses at spawn (before libvirt or QEMU would fail, or silently give
the guest another width) with the same reason.  The facts, measured with
libvirt 9.0 and QEMU 7.2 and 10.0 under TCG and KVM
(``doc/source/admin/libvirt-driver.rst``):

* ``<maxphysaddr>`` needs libvirt 8.7.0 and QEMU 2.7.0, and an x86_64 host;
* ``emulate`` is checked against the host's width, which the capabilities
  must report;
* under KVM, QEMU's ``host`` and ``max`` CPU models (``cpu_mode``
  ``host-passthrough`` and ``maximum``) default to ``host-phys-bits=on``,
  and libvirt writes ``phys-bits=N`` without turning it off: the guest gets
  the host's width, not N.  Such a host cannot honour ``emulate``;
* ``passthrough`` (``host-phys-bits=on``) takes the host's width only
  under KVM: under TCG the guest keeps QEMU's default 40 bits;
* libvirt older than 9.0.0 accepts ``passthrough`` only with a
  ``host-passthrough`` guest CPU.
"""

from __future__ import annotations

from nova_maxphysaddr.rules import values

from nova.objects import fields
from nova import utils
from nova.virt.libvirt import host as libvirt_host

# <maxphysaddr> in the domain <cpu>: libvirt 8.7.0; QEMU's phys-bits and
# host-phys-bits CPU properties: QEMU 2.7.0.
MIN_LIBVIRT_MAXPHYSADDR = (8, 7, 0)
MIN_QEMU_MAXPHYSADDR = (2, 7, 0)
# libvirt 8.7 accepts mode='passthrough' only for a host-passthrough guest
# CPU; 9.0.0 accepts it with any CPU mode (measured, Debian 12).
MIN_LIBVIRT_MAXPHYSADDR_PASSTHROUGH_ANY_CPU = (9, 0, 0)
# libvirt's name for the QEMU/KVM hypervisor driver (virConnectGetType).
HV_TYPE_QEMU = 'QEMU'
# The virt type under which QEMU gives a guest the host's width.
KVM = 'kvm'
# Guest CPU modes whose QEMU model (host, max) takes the host's width under
# KVM whatever phys-bits says.
HOST_WIDTH_CPU_MODES = (fields.CPUMode.HOST_PASSTHROUGH,
                        fields.CPUMode.MAXIMUM)


def _versions(host: libvirt_host.Host) -> str:
    return 'libvirt %s with %s %s' % (
        utils.version_to_str(host.get_libversion()),
        host.get_hypervisor_type(), utils.version_to_str(host.get_version()))


def unsupported_reason(host: libvirt_host.Host, mode: str, virt_type: str,
                       cpu_mode: str | None) -> str | None:
    """Why no guest here can get ``<maxphysaddr mode=mode>`` as asked, or
    None when every one can.

    :param virt_type: ``[libvirt]virt_type``
    :param cpu_mode: the guest CPU mode the driver writes (None: no mode)
    """
    if not host.has_min_version(MIN_LIBVIRT_MAXPHYSADDR,
                                MIN_QEMU_MAXPHYSADDR, HV_TYPE_QEMU):
        return ('it needs libvirt >= %s with QEMU >= %s; this host has %s' % (
            utils.version_to_str(MIN_LIBVIRT_MAXPHYSADDR),
            utils.version_to_str(MIN_QEMU_MAXPHYSADDR), _versions(host)))
    cpu = host.get_capabilities().host.cpu
    arch = fields.Architecture.canonicalize(cpu.arch)
    if arch != fields.Architecture.X86_64:
        return ('the physical address width can only be set on x86_64, '
                'and this host is %s' % arch)
    if mode == values.EMULATE:
        if cpu.maxphysaddr is None or cpu.maxphysaddr.bits is None:
            return ('the host capabilities do not report the host\'s '
                    'physical address width, so no width can be checked '
                    'against it')
        if virt_type == KVM and cpu_mode in HOST_WIDTH_CPU_MODES:
            return ('with [libvirt]cpu_mode=%s under KVM, QEMU\'s CPU model '
                    'takes the host\'s %d physical address bits '
                    '(host-phys-bits=on) whatever phys-bits says, and %s '
                    'does not turn that off: the guest would not get the '
                    'width it asks for; use cpu_mode custom, host-model or '
                    'none' % (cpu_mode, cpu.maxphysaddr.bits,
                              _versions(host)))
        return None
    if virt_type != KVM:
        return ('QEMU gives a guest the host\'s width only under KVM; '
                'with virt_type=%s the guest would keep QEMU\'s default '
                '%d bits (measured with QEMU 7.2 under TCG)' % (
                    virt_type, values.QEMU_DEFAULT_BITS))
    if cpu_mode != fields.CPUMode.HOST_PASSTHROUGH and not \
            host.has_min_version(MIN_LIBVIRT_MAXPHYSADDR_PASSTHROUGH_ANY_CPU):
        return ('libvirt %s accepts mode=passthrough only with '
                '[libvirt]cpu_mode=host-passthrough (it is %s); libvirt '
                '>= %s accepts any CPU mode' % (
                    utils.version_to_str(host.get_libversion()), cpu_mode,
                    utils.version_to_str(
                        MIN_LIBVIRT_MAXPHYSADDR_PASSTHROUGH_ANY_CPU)))
    return None
