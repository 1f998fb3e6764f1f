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

"""libvirt XML documents as Python objects: host capabilities, guest domain.

The declarations, with Nova's class names; the mapping machinery they use
is :mod:`nova.virt.libvirt.xmlbuilder`, the hardened parser
:mod:`nova.virt.libvirt.xmlparse`.
"""

from __future__ import annotations

from nova_maxphysaddr.rules import host as host_rules
from nova_maxphysaddr.rules import values

from nova.virt.libvirt.xmlbuilder import LibvirtConfigObject
from nova.virt.libvirt.xmlbuilder import XMLChild
from nova.virt.libvirt.xmlbuilder import XMLChildren
from nova.virt.libvirt.xmlbuilder import XMLMemory
from nova.virt.libvirt.xmlbuilder import XMLProperty
from nova.virt.libvirt import xmlbuilder

MAXPHYSADDR_MODE = xmlbuilder.enum_kind(values.MODES)
PHYS_BITS = xmlbuilder.int_kind(host_rules.HOST_BITS_MIN,
                                host_rules.HOST_BITS_MAX)


# --- CPU: host capabilities and guest ----------------------------------------

class LibvirtConfigCPUFeature(LibvirtConfigObject):
    """A host CPU feature flag: ``<feature name='avx2'/>``."""

    ROOT_NAME = 'feature'
    name = XMLProperty('@name')


class LibvirtConfigCPUMaxPhysAddr(LibvirtConfigObject):
    """The physical address width, as libvirt reports or takes it.

    Host capabilities write ``<maxphysaddr mode='emulate' bits='46'/>``;
    domain capabilities (libvirt 9.5+) write ``mode='passthrough'`` with
    ``limit`` and no ``bits``: ``bits`` is optional here (Nova before the
    fix of bug 2099663, which 34.0.0 has, crashed on its absence).
    """

    ROOT_NAME = 'maxphysaddr'
    mode = XMLProperty('@mode', MAXPHYSADDR_MODE)
    bits = XMLProperty('@bits', PHYS_BITS)
    limit = XMLProperty('@limit', PHYS_BITS)


class LibvirtConfigCPU(LibvirtConfigObject):
    """A CPU as the host capabilities describe it."""

    ROOT_NAME = 'cpu'
    arch = XMLProperty('arch')
    model = XMLProperty('model')
    vendor = XMLProperty('vendor')
    sockets = XMLProperty('topology/@sockets', xmlbuilder.POSITIVE_INT)
    dies = XMLProperty('topology/@dies', xmlbuilder.POSITIVE_INT)
    cores = XMLProperty('topology/@cores', xmlbuilder.POSITIVE_INT)
    threads = XMLProperty('topology/@threads', xmlbuilder.POSITIVE_INT)
    maxphysaddr = XMLChild(LibvirtConfigCPUMaxPhysAddr)
    features = XMLChildren(LibvirtConfigCPUFeature)


class LibvirtConfigGuestCPUFeature(LibvirtConfigCPUFeature):
    """A guest CPU feature: ``<feature policy='require' name='...'/>``."""

    policy = XMLProperty('@policy')


class LibvirtConfigGuestCPUMaxPhysAddr(LibvirtConfigCPUMaxPhysAddr):
    """``<maxphysaddr mode='emulate' bits='N'/>`` or ``mode='passthrough'``.

    ``limit`` needs libvirt 9.3.0 and Debian 12's 9.0.0 schema refuses it;
    nothing asks for it, so the guest element never carries it.
    """

    limit = None  # removes the base field


class LibvirtConfigGuestCPU(LibvirtConfigCPU):
    """The guest's ``<cpu>``: mode, model and the physical address width."""

    # A domain's <cpu> has no <arch>: the guest's is in <os><type arch=>.
    arch = None  # removes the base field
    mode = XMLProperty('@mode')
    match = XMLProperty('@match')
    maxphysaddr = XMLChild(LibvirtConfigGuestCPUMaxPhysAddr)
    features = XMLChildren(LibvirtConfigGuestCPUFeature)


# --- host capabilities (virConnectGetCapabilities) ---------------------------

class LibvirtConfigCapsHost(LibvirtConfigObject):
    ROOT_NAME = 'host'
    uuid = XMLProperty('uuid')
    cpu = XMLChild(LibvirtConfigCPU)


class LibvirtConfigCapsGuestDomain(LibvirtConfigObject):
    """A hypervisor type that can run this guest arch: ``<domain type=>``."""

    ROOT_NAME = 'domain'
    type = XMLProperty('@type')


class LibvirtConfigCapsGuest(LibvirtConfigObject):
    """One guest ABI the host can run: OS type, arch and hypervisor types."""

    ROOT_NAME = 'guest'
    ostype = XMLProperty('os_type')
    arch = XMLProperty('arch/@name')
    domains = XMLChildren(LibvirtConfigCapsGuestDomain, parent='arch')


class LibvirtConfigCaps(LibvirtConfigObject):
    ROOT_NAME = 'capabilities'
    host = XMLChild(LibvirtConfigCapsHost)
    guests = XMLChildren(LibvirtConfigCapsGuest)


# --- guest domain (virDomainDefineXML) ---------------------------------------

class LibvirtConfigGuestMemoryBacking(LibvirtConfigObject):
    """``<memoryBacking>``: file-backed, shared guest RAM when configured."""

    ROOT_NAME = 'memoryBacking'
    source_type = XMLProperty('source/@type')
    access_mode = XMLProperty('access/@mode')


class LibvirtConfigGuestSerial(LibvirtConfigObject):
    """A serial port, e.g. ``<serial type='pty'/>`` for ``virsh console``."""

    ROOT_NAME = 'serial'
    type = XMLProperty('@type')


class LibvirtConfigGuestMemBalloon(LibvirtConfigObject):
    """``<memballoon model='none'/>`` keeps libvirt from adding a balloon."""

    ROOT_NAME = 'memballoon'
    model = XMLProperty('@model')


class LibvirtConfigGuest(LibvirtConfigObject):
    """A guest domain, complete enough for libvirt to define and start."""

    ROOT_NAME = 'domain'
    virt_type = XMLProperty('@type')
    name = XMLProperty('name')
    uuid = XMLProperty('uuid')
    memory = XMLMemory('memory')
    vcpus = XMLProperty('vcpu', xmlbuilder.POSITIVE_INT)
    membacking = XMLChild(LibvirtConfigGuestMemoryBacking)
    os_type = XMLProperty('os/type')
    os_arch = XMLProperty('os/type/@arch')
    os_mach_type = XMLProperty('os/type/@machine')
    cpu = XMLChild(LibvirtConfigGuestCPU)
    devices = XMLChildren(LibvirtConfigGuestSerial,
                          LibvirtConfigGuestMemBalloon, parent='devices')
