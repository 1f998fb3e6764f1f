"""Small helpers shared across the tree."""

from __future__ import annotations

# libvirt encodes versions as major * 1,000,000 + minor * 1,000 + micro.
VERSION_PART = 1000


def version_to_str(version: int | tuple[int, ...]) -> str:
    """'9.0.0' from libvirt's encoding 9000000 or from ``(9, 0, 0)``.

    Always three parts: oslo.utils' converter drops leading zero parts
    (8 -> '8', 0 -> ''), which version predicates then misread.
    """
    if isinstance(version, tuple):
        return '.'.join(str(part) for part in version)
    return '%d.%d.%d' % (version // VERSION_PART ** 2,
                         version // VERSION_PART % VERSION_PART,
                         version % VERSION_PART)
