"""Guest hardware decisions shared by the API, the scheduler and the driver.

The maxphysaddr decision is made here and nowhere else: the API checks a
boot request with :func:`get_maxphysaddr_request`, ``ResourceRequest`` turns
its result into a required trait, both scheduler filters compare its bits
with the host's, and the libvirt driver writes it into the guest XML.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import os_traits

from nova.api.validation.extra_specs import validators
from nova import exception
from nova.objects import fields
from nova.objects import image_meta as image_meta_obj

GiB = 1024 ** 3
MiB = 1024 ** 2

# QEMU's physical address width for x86 guests when nothing is asked for.
QEMU_DEFAULT_PHYS_BITS = 40

# QEMU's q35 memory map (hw/i386/pc_q35.c, pc.c; measured with QEMU 7.2):
# RAM below this size is all placed below 4 GiB ...
Q35_ALL_LOW_RAM_LIMIT = 0xB0000000  # 2.75 GiB
# ... otherwise the first 2 GiB are, and the rest starts at 4 GiB.
Q35_LOW_RAM_SIZE = 2 * GiB
HIGH_RAM_START = 4 * GiB
# AMD-vendor guests: if the address space would reach the HyperTransport
# hole, QEMU (>= 7.1) moves everything above 4 GiB to start at 1 TiB.
AMD_HT_START = 1012 * GiB
AMD_ABOVE_1TB_START = 1024 * GiB
# The 64-bit PCI window QEMU appends (q35 default), after rounding the end
# of RAM up to 1 GiB.
PCI_HOLE64_ALIGN = GiB
PCI_HOLE64_SIZE = 32 * GiB

FLAVOR_MODE_KEY = 'hw:maxphysaddr_mode'
FLAVOR_BITS_KEY = 'hw:maxphysaddr_bits'
IMAGE_MODE_KEY = 'hw_maxphysaddr_mode'
IMAGE_BITS_KEY = 'hw_maxphysaddr_bits'
IMAGE_ARCH_KEY = 'hw_architecture'

# The trait a host needs for each mode (os-traits names: Placement refuses
# unknown traits), and how a flavor forbids one (``trait:NAME=forbidden``).
MAXPHYSADDR_MODE_TRAITS = {
    fields.MaxPhysAddrMode.EMULATE: os_traits.COMPUTE_ADDRESS_SPACE_EMULATED,
    fields.MaxPhysAddrMode.PASSTHROUGH:
        os_traits.COMPUTE_ADDRESS_SPACE_PASSTHROUGH,
}
TRAIT_SPEC_PREFIX = 'trait:'
TRAIT_FORBIDDEN = 'forbidden'


@dataclasses.dataclass(frozen=True)
class MaxPhysAddrRequest:
    """What the guest asked for: ``<maxphysaddr mode=... [bits=...]/>``."""

    mode: str
    bits: int | None = None

    @property
    def is_emulate(self) -> bool:
        return self.mode == fields.MaxPhysAddrMode.EMULATE

    @property
    def is_passthrough(self) -> bool:
        return self.mode == fields.MaxPhysAddrMode.PASSTHROUGH

    def __str__(self) -> str:
        if self.bits is None:
            return 'mode=%s' % self.mode
        return 'mode=%s, bits=%d' % (self.mode, self.bits)


def _round_up(value: int, align: int) -> int:
    return -(-value // align) * align


def guest_address_space_end(memory_mb: int, amd_vendor: bool = True) -> int:
    """The first guest physical address above RAM and the 64-bit PCI window.

    The guest needs ``2**bits >= guest_address_space_end(...)``.  The API and
    scheduler do not know the guest CPU vendor, so by default the AMD layout
    (the larger) is assumed: never under-estimate.
    """
    ram = memory_mb * MiB
    low = ram if ram < Q35_ALL_LOW_RAM_LIMIT else Q35_LOW_RAM_SIZE
    high = ram - low
    if not high:
        return HIGH_RAM_START + PCI_HOLE64_SIZE
    end = _round_up(HIGH_RAM_START + high, PCI_HOLE64_ALIGN) + PCI_HOLE64_SIZE
    if amd_vendor and end - 1 >= AMD_HT_START:
        end = (_round_up(AMD_ABOVE_1TB_START + high, PCI_HOLE64_ALIGN) +
               PCI_HOLE64_SIZE)
    return end


def maxphysaddr_bits_fit(memory_mb: int, bits: int,
                         amd_vendor: bool = True) -> bool:
    """Whether a guest of this size starts with ``phys-bits=bits``."""
    if bits == fields.MaxPhysAddrBits.MIN:
        # QEMU does not check a 32-bit guest's address space at all, but
        # RAM placed above 4 GiB would be unreachable: allow low RAM only.
        return memory_mb * MiB < Q35_ALL_LOW_RAM_LIMIT
    return 2 ** bits >= guest_address_space_end(memory_mb, amd_vendor)


def get_min_maxphysaddr_bits(memory_mb: int, amd_vendor: bool = True) -> int:
    """The smallest width from which every larger one also fits.

    Public so that operators (``nova-maxphysaddr advise``) and docs size
    flavors with the very rule the API enforces.  Can exceed QEMU's maximum
    (52) for absurd sizes; callers compare.
    """
    end = guest_address_space_end(memory_mb, amd_vendor)
    return max(fields.MaxPhysAddrBits.MIN + 1, (end - 1).bit_length())


def _image_props(image_meta: Any) -> image_meta_obj.ImageMetaProps | None:
    """The image's typed properties (validated when they were set).

    :raises TypeError: for anything but ``ImageMeta``, ``ImageMetaProps`` or
        None: a raw dict would skip the validation the object does.
    """
    if image_meta is None or isinstance(image_meta,
                                        image_meta_obj.ImageMetaProps):
        return image_meta
    if isinstance(image_meta, image_meta_obj.ImageMeta):
        if not image_meta.obj_attr_is_set('properties'):
            return None
        return image_meta.properties
    raise TypeError('image_meta must be an ImageMeta, ImageMetaProps or '
                    'None, not %s' % type(image_meta).__name__)


def _pick(setting: str, flavor_key: str, flavor_val: Any, image_key: str,
          image_val: Any) -> tuple[Any, str | None]:
    """One value from flavor and image, or FlavorImageConflict."""
    if flavor_val is not None and image_val is not None:
        if flavor_val != image_val:
            raise exception.FlavorImageConflict(
                setting=setting, flavor_key=flavor_key, flavor_val=flavor_val,
                image_key=image_key, image_val=image_val)
    if flavor_val is not None:
        return flavor_val, flavor_key
    if image_val is not None:
        return image_val, image_key
    return None, None


def _flavor_value(extra_specs: dict, key: str) -> Any:
    if key not in extra_specs:
        return None
    # Parsed by the API's own validator: same verdict, same message.
    return validators.parse(key, extra_specs[key])


def get_maxphysaddr_request(flavor: Any,
                            image_meta: Any = None
                            ) -> MaxPhysAddrRequest | None:
    """Resolve flavor extra specs and image properties into one request.

    :param flavor: a ``Flavor`` (``memory_mb`` and ``extra_specs`` are used)
    :param image_meta: an ``ImageMeta``, its ``ImageMetaProps``, or None
    :returns: the request, or None when neither asks for maxphysaddr
    :raises: ValidationError, FlavorImageConflict, InvalidMaxPhysAddrRequest,
        MaxPhysAddrBitsTooSmall
    """
    extra_specs = flavor.extra_specs or {}
    props = _image_props(image_meta)
    image_mode = props.get(IMAGE_MODE_KEY) if props is not None else None
    image_bits = props.get(IMAGE_BITS_KEY) if props is not None else None
    image_arch = props.get(IMAGE_ARCH_KEY) if props is not None else None

    mode, mode_key = _pick(
        'maxphysaddr mode',
        FLAVOR_MODE_KEY, _flavor_value(extra_specs, FLAVOR_MODE_KEY),
        IMAGE_MODE_KEY, image_mode)
    bits, bits_key = _pick(
        'maxphysaddr bits',
        FLAVOR_BITS_KEY, _flavor_value(extra_specs, FLAVOR_BITS_KEY),
        IMAGE_BITS_KEY, image_bits)

    if mode is None:
        if bits is not None:
            raise exception.InvalidMaxPhysAddrRequest(reason=(
                '%s=%d is set but no maxphysaddr mode is: bits take effect '
                'only with %s=emulate (flavor) or %s=emulate (image)' % (
                    bits_key, bits, FLAVOR_MODE_KEY, IMAGE_MODE_KEY)))
        return None

    if (image_arch is not None and
            image_arch not in fields.MAXPHYSADDR_ARCHES):
        # No host could start it (QEMU sets the width for 64-bit x86 CPUs
        # only), yet x86_64 hosts that also run such guests would pass the
        # scheduler: refuse it here, before scheduling.
        raise exception.InvalidMaxPhysAddrRequest(reason=(
            '%s=%s sets the guest\'s physical address width, which only '
            'x86_64 guests have, but the image sets %s=%s; remove %s, or use '
            'an x86_64 image' % (mode_key, mode, IMAGE_ARCH_KEY, image_arch,
                                 mode_key)))

    trait = MAXPHYSADDR_MODE_TRAITS[mode]
    if extra_specs.get(TRAIT_SPEC_PREFIX + trait) == TRAIT_FORBIDDEN:
        # No host could be chosen: the request needs the trait the flavor
        # forbids.  Refused here so that every caller gives this verdict.
        raise exception.InvalidMaxPhysAddrRequest(reason=(
            '%s=%s needs a host with trait %s, but the flavor forbids it '
            '(%s%s=%s)' % (mode_key, mode, trait, TRAIT_SPEC_PREFIX, trait,
                           TRAIT_FORBIDDEN)))

    if mode == fields.MaxPhysAddrMode.PASSTHROUGH:
        if bits is not None:
            raise exception.InvalidMaxPhysAddrRequest(reason=(
                '%s=passthrough uses the host CPU\'s width and takes no '
                'bits, but %s=%d is set; remove it, or use emulate' % (
                    mode_key, bits_key, bits)))
        return MaxPhysAddrRequest(mode)

    if bits is None:
        raise exception.InvalidMaxPhysAddrRequest(reason=(
            '%s=emulate needs the width: set %s (flavor) or %s (image) '
            'to %s' % (mode_key, FLAVOR_BITS_KEY, IMAGE_BITS_KEY,
                       validators.get_validator(FLAVOR_BITS_KEY).allowed())))

    if not maxphysaddr_bits_fit(flavor.memory_mb, bits):
        min_bits = get_min_maxphysaddr_bits(flavor.memory_mb)
        if min_bits > fields.MaxPhysAddrBits.MAX:
            raise exception.InvalidMaxPhysAddrRequest(reason=(
                'a guest with %d MiB of RAM needs %d physical address bits, '
                'more than QEMU allows (%d)' % (
                    flavor.memory_mb, min_bits, fields.MaxPhysAddrBits.MAX)))
        raise exception.MaxPhysAddrBitsTooSmall(
            key=bits_key, bits=bits, memory_mb=flavor.memory_mb,
            min_bits=min_bits)
    return MaxPhysAddrRequest(mode, bits)
