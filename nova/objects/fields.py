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

"""Field types for Nova objects: oslo.versionedobjects' plus Nova's enums."""

from __future__ import annotations

from typing import Any

from oslo_utils import strutils
from oslo_versionedobjects import fields

from nova_maxphysaddr.rules import values

# The generic field types the objects use, under Nova's names.
DictOfNullableStringsField = fields.DictOfNullableStringsField
IntegerField = fields.IntegerField
ObjectField = fields.ObjectField
StringField = fields.StringField
UUIDField = fields.UUIDField


class BaseNovaEnum(fields.Enum):
    """An enum whose values are declared as upper-case class constants."""

    ALL: tuple[str, ...] = ()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(valid_values=self.__class__.ALL, **kwargs)

    def coerce(self, obj, attr, value):
        if not isinstance(value, str) or value not in self.ALL:
            raise ValueError('must be ' + values.describe_enum(self.ALL))
        return value


class NonNegativeInteger(fields.NonNegativeInteger):
    """A count such as ``hw_cpu_sockets``, parsed as strictly as the API.

    oslo's version is ``int()``, which takes ``' 4'``, ``'4_0'``, fullwidth
    digits and ``2.7``.  Same name and wire format as oslo's, so object
    fingerprints are unchanged.
    """

    @staticmethod
    def coerce(obj, attr, value):
        return values.strict_int(value, 0)


class NonNegativeIntegerField(fields.AutoTypedField):
    AUTO_TYPE = NonNegativeInteger()


class FlexibleBoolean(fields.FieldType):
    """A boolean given as text ('yes', 'true', '1', 'off', ...).

    Plain ``bool()`` would read the string 'false' as True.
    """

    @staticmethod
    def coerce(obj, attr, value):
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            return strutils.bool_from_string(value, strict=True)
        raise ValueError('must be a boolean (true/false, yes/no, 1/0)')


class Architecture(BaseNovaEnum):
    """CPU architectures, by the names libvirt and Glance use."""

    AARCH64 = 'aarch64'
    ARMV7 = 'armv7l'
    I686 = 'i686'
    PPC64 = 'ppc64'
    PPC64LE = 'ppc64le'
    S390X = 's390x'
    X86_64 = 'x86_64'

    ALL = (AARCH64, ARMV7, I686, PPC64, PPC64LE, S390X, X86_64)

    # Other spellings seen in image metadata, mapped to the canonical name.
    _ALIASES = {'amd64': X86_64, 'x64': X86_64, 'arm64': AARCH64,
                'i386': I686, 'i486': I686, 'i586': I686, 'x86': I686}

    @classmethod
    def canonicalize(cls, name: str) -> str:
        name = name.lower()
        return cls._ALIASES.get(name, name)

    def coerce(self, obj, attr, value):
        if isinstance(value, str):
            value = self.canonicalize(value)
        return super().coerce(obj, attr, value)


X86_ARCHES = (Architecture.X86_64, Architecture.I686)


class HVType(BaseNovaEnum):
    """Hypervisor types, as the compute node and image metadata name them."""

    KVM = 'kvm'
    QEMU = 'qemu'
    LXC = 'lxc'
    XEN = 'xen'
    BAREMETAL = 'baremetal'

    ALL = (KVM, QEMU, LXC, XEN, BAREMETAL)

    def coerce(self, obj, attr, value):
        if isinstance(value, str):
            value = value.lower()
        return super().coerce(obj, attr, value)


class VMMode(BaseNovaEnum):
    """The guest ABI: full hardware virtualisation, Xen PV, containers."""

    HVM = 'hvm'
    XEN = 'xen'
    EXE = 'exe'
    UML = 'uml'

    ALL = (HVM, XEN, EXE, UML)

    def coerce(self, obj, attr, value):
        if isinstance(value, str):
            value = value.lower()
        return super().coerce(obj, attr, value)


class CPUMode(BaseNovaEnum):
    """``[libvirt]cpu_mode`` and the guest ``<cpu mode=...>``."""

    CUSTOM = 'custom'
    HOST_MODEL = 'host-model'
    HOST_PASSTHROUGH = 'host-passthrough'
    MAXIMUM = 'maximum'
    NONE = 'none'

    ALL = (CUSTOM, HOST_MODEL, HOST_PASSTHROUGH, MAXIMUM, NONE)


class CPUAllocationPolicy(BaseNovaEnum):
    DEDICATED = 'dedicated'
    SHARED = 'shared'
    MIXED = 'mixed'

    ALL = (DEDICATED, SHARED, MIXED)


class CPUThreadAllocationPolicy(BaseNovaEnum):
    PREFER = 'prefer'
    ISOLATE = 'isolate'
    REQUIRE = 'require'

    ALL = (PREFER, ISOLATE, REQUIRE)


class MaxPhysAddrMode(BaseNovaEnum):
    """How the guest's physical address width is chosen.

    ``emulate``: a fixed width (``bits``) the operator asks for;
    ``passthrough``: the host CPU's own width.
    """

    EMULATE = values.EMULATE
    PASSTHROUGH = values.PASSTHROUGH

    ALL = values.MODES

    def coerce(self, obj, attr, value):
        # Exactly as the API validator parses it, with the same reason.
        return values.parse_mode(value)


class MaxPhysAddrBits(fields.FieldType):
    """A guest physical address width in QEMU's x86_64 range."""

    @staticmethod
    def coerce(obj, attr, value):
        return values.parse_bits(value)


class ArchitectureField(fields.BaseEnumField):
    AUTO_TYPE = Architecture()


class HVTypeField(fields.BaseEnumField):
    AUTO_TYPE = HVType()


class VMModeField(fields.BaseEnumField):
    AUTO_TYPE = VMMode()


class CPUModeField(fields.BaseEnumField):
    AUTO_TYPE = CPUMode()


class CPUAllocationPolicyField(fields.BaseEnumField):
    AUTO_TYPE = CPUAllocationPolicy()


class CPUThreadAllocationPolicyField(fields.BaseEnumField):
    AUTO_TYPE = CPUThreadAllocationPolicy()


class FlexibleBooleanField(fields.AutoTypedField):
    AUTO_TYPE = FlexibleBoolean()


class MaxPhysAddrModeField(fields.BaseEnumField):
    AUTO_TYPE = MaxPhysAddrMode()


class MaxPhysAddrBitsField(fields.AutoTypedField):
    AUTO_TYPE = MaxPhysAddrBits()
