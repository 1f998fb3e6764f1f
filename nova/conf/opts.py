"""The options ``oslo-config-generator`` documents (``nova.conf`` namespace).

Each module under ``nova/conf`` that defines options has a ``list_opts()``;
this gathers them into the list of ``(group, options)`` pairs the generator
expects.
"""

from __future__ import annotations

from oslo_config import cfg

from nova.conf import libvirt

_OPT_MODULES = (libvirt,)


def list_opts() -> list[tuple[cfg.OptGroup, list[cfg.Opt]]]:
    pairs = []
    for module in _OPT_MODULES:
        for group, opts in module.list_opts().items():
            pairs.append((group, opts))
    return pairs
