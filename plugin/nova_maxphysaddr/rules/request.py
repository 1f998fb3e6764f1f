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

"""Flavor + image -> the guest's maxphysaddr request: the one decision.

The API (at boot, rebuild and resize), the scheduler's resource request
and filters, and the compute driver all call :func:`resolve`, so one
flavor and image get one verdict everywhere.  Its inputs are plain: the
flavor's RAM and extra specs (a mapping of strings) and the image's
properties (anything with ``get(name)``: a dict of Glance's raw values,
or Nova's ``ImageMetaProps``).  Values are parsed strictly whether they
arrive as text or already typed.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
import dataclasses
from typing import Any
from typing import Protocol

from nova_maxphysaddr.rules import errors
from nova_maxphysaddr.rules import sizing
from nova_maxphysaddr.rules import values

IMAGE_ARCH_KEY = 'hw_architecture'
# Names Glance images use for 64-bit x86 (Nova canonicalises them to
# x86_64).  QEMU sets phys-bits only for CPUs with long mode ("phys-bits is
# not user-configurable in 32 bit"), so no other architecture has a width.
X86_64_NAMES = frozenset(('x86_64', 'amd64', 'x64'))


class Properties(Protocol):
    """Image properties: a dict, or Nova's ``ImageMetaProps``."""

    def get(self, name: str, default: Any = None) -> Any: ...


@dataclasses.dataclass(frozen=True)
class MaxPhysAddrRequest:
    """What the guest asks for: ``<maxphysaddr mode=... [bits=...]/>``."""

    mode: str
    bits: int | None = None

    @property
    def is_emulate(self) -> bool:
        return self.mode == values.EMULATE

    @property
    def is_passthrough(self) -> bool:
        return self.mode == values.PASSTHROUGH

    def __str__(self) -> str:
        if self.bits is None:
            return 'mode=%s' % self.mode
        return 'mode=%s, bits=%d' % (self.mode, self.bits)


def _parsed(raw: Any, key: str, error: type[errors.RuleError]) -> Any:
    """One set key's typed value, or ``error`` naming it."""
    try:
        if key in (values.FLAVOR_MODE_KEY, values.IMAGE_MODE_KEY):
            return values.parse_mode(raw)
        return values.parse_bits(raw)
    except ValueError as exc:
        raise error(key=key, value=raw, reason=str(exc))


def _flavor_value(extra_specs: Mapping[str, Any], key: str) -> Any:
    # A key set to null is set (and refused), unlike an image property:
    # ImageMetaProps has no null values.
    if key not in extra_specs:
        return None
    return _parsed(extra_specs[key], key, errors.InvalidFlavorValue)


def _image_value(props: Properties | None, key: str) -> Any:
    raw = None if props is None else props.get(key)
    if raw is None:
        return None
    return _parsed(raw, key, errors.InvalidImageValue)


def _pick(setting: str, flavor_key: str, flavor_val: Any, image_key: str,
          image_val: Any) -> tuple[Any, str | None]:
    """One typed value from flavor and image: ``('42', 42)`` agree."""
    if flavor_val is not None and image_val is not None and \
            flavor_val != image_val:
        raise errors.FlavorImageConflict(
            setting=setting, flavor_key=flavor_key, flavor_val=flavor_val,
            image_key=image_key, image_val=image_val)
    if flavor_val is not None:
        return flavor_val, flavor_key
    if image_val is not None:
        return image_val, image_key
    return None, None


def resolve(extra_specs: Mapping[str, Any], props: Properties | None,
            layout_of: Callable[[], sizing.GuestLayout]
            ) -> MaxPhysAddrRequest | None:
    """The guest's request, or None when neither flavor nor image asks.

    :param extra_specs: the flavor's extra specs
    :param props: the image's properties, or None for no image
    :param layout_of: gives the guest's memory map (its RAM and machine
        type); called only for a request, whose width it checks (finding
        the machine type can cost more than the rest)
    :raises RuleError: InvalidFlavorValue, InvalidImageValue,
        FlavorImageConflict, InvalidRequest, BitsTooSmall
    """
    mode, mode_key = _pick(
        'maxphysaddr mode',
        values.FLAVOR_MODE_KEY,
        _flavor_value(extra_specs, values.FLAVOR_MODE_KEY),
        values.IMAGE_MODE_KEY, _image_value(props, values.IMAGE_MODE_KEY))
    bits, bits_key = _pick(
        'maxphysaddr bits',
        values.FLAVOR_BITS_KEY,
        _flavor_value(extra_specs, values.FLAVOR_BITS_KEY),
        values.IMAGE_BITS_KEY, _image_value(props, values.IMAGE_BITS_KEY))

    if mode is None:
        if bits is not None:
            raise errors.InvalidRequest(reason=(
                '%s=%d is set but no maxphysaddr mode is: bits take effect '
                'only with %s=emulate (flavor) or %s=emulate (image)' % (
                    bits_key, bits, values.FLAVOR_MODE_KEY,
                    values.IMAGE_MODE_KEY)))
        return None

    layout = layout_of()
    arch = None if props is None else props.get(IMAGE_ARCH_KEY)
    if arch is not None and str(arch).lower() not in X86_64_NAMES:
        # No host could start it, yet x86_64 hosts that also run such
        # guests would pass the scheduler: refuse it before scheduling.
        raise errors.InvalidRequest(reason=(
            '%s=%s sets the guest\'s physical address width, which only '
            'x86_64 guests have, but the image sets %s=%s; remove %s, or use '
            'an x86_64 image' % (mode_key, mode, IMAGE_ARCH_KEY, arch,
                                 mode_key)))

    if not layout.families:
        raise errors.InvalidRequest(reason=(
            '%s=%s needs the guest\'s memory map, but its machine type is '
            '%r; the width rule knows %s (and their versioned types)' % (
                mode_key, mode, layout.machine_type,
                ' and '.join(f.name for f in sizing.FAMILIES))))

    trait = values.MODE_TRAITS[mode]
    if extra_specs.get(values.TRAIT_SPEC_PREFIX + trait) == \
            values.TRAIT_FORBIDDEN:
        # No host could be chosen: the request needs the trait the flavor
        # forbids.
        raise errors.InvalidRequest(reason=(
            '%s=%s needs a host with trait %s, but the flavor forbids it '
            '(%s%s=%s)' % (mode_key, mode, trait, values.TRAIT_SPEC_PREFIX,
                           trait, values.TRAIT_FORBIDDEN)))

    if mode == values.PASSTHROUGH:
        if bits is not None:
            raise errors.InvalidRequest(reason=(
                '%s=passthrough uses the host CPU\'s width and takes no '
                'bits, but %s=%d is set; remove it, or use emulate' % (
                    mode_key, bits_key, bits)))
        return MaxPhysAddrRequest(mode)

    if bits is None:
        raise errors.InvalidRequest(reason=(
            '%s=emulate needs the width: set %s (flavor) or %s (image) to '
            '%s' % (mode_key, values.FLAVOR_BITS_KEY, values.IMAGE_BITS_KEY,
                    values.bits_allowed())))

    if not sizing.bits_fit(layout, bits):
        min_bits = sizing.min_bits(layout)
        if min_bits > values.BITS_MAX:
            raise errors.InvalidRequest(reason=(
                'a guest with %d MiB of RAM needs %d physical address bits, '
                'more than QEMU allows (%d)' % (
                    layout.memory_mb, min_bits, values.BITS_MAX)))
        raise errors.BitsTooSmall(key=bits_key, bits=bits,
                                  memory_mb=layout.memory_mb,
                                  min_bits=min_bits)
    return MaxPhysAddrRequest(mode, bits)
