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

"""Reading what operators already export from their cloud.

* ``openstack flavor show FLAVOR -f json`` (one flavor) and ``openstack
  flavor list --long -f json`` (a list, capitalised keys);
* ``openstack image show IMAGE -f json``;
* ``openstack --os-compute-api-version 2.87 hypervisor show HOST -f json``
  (``cpu_info`` is an object from compute API microversion 2.28, a JSON
  string before, and absent from 2.88, which removed it), one document or
  a list of them;
* resource provider traits, as ``{"HOST": ["TRAIT", ...]}`` (for example
  collected with ``openstack resource provider trait list``).

Older clients print ``properties`` as one string (``a='1', b='2'``); both
forms are read.  Anything else is refused with what was expected.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections.abc import Mapping
from typing import Any

from nova.cli import common
from nova import objects

STDIN = '-'
# The last compute API microversion whose hypervisor show has cpu_info.
CPU_INFO_MICROVERSION = '2.87'
# "key='value', key2='value2'" (python-openstackclient before 5.x).
_PROPERTY_RE = re.compile(r"\s*([^=,\s]+)='((?:[^'\\]|\\.)*)'\s*(?:,|\Z)")


@dataclasses.dataclass(frozen=True)
class Hypervisor:
    """A compute node as ``openstack hypervisor show`` describes it."""

    name: str
    record: dict[str, Any]
    """Shaped like the driver's resource report, for ``HostState``."""
    traits: frozenset[str] | None
    """The resource provider's traits, or None when not given."""


def load_json(path: str) -> Any:
    """A JSON document from a file, or from stdin for ``-``.

    :raises CommandError: unreadable, or not JSON
    """
    try:
        if path == STDIN:
            return json.load(sys.stdin)
        with open(path) as f:
            return json.load(f)
    except OSError as exc:
        raise common.CommandError('cannot read %s: %s' % (path, exc))
    except ValueError as exc:
        raise common.CommandError('%s is not JSON: %s' % (
            'stdin' if path == STDIN else path, exc))


def _field(doc: Mapping[str, Any], *names: str) -> Any:
    """The first of ``names`` present (``flavor show`` and ``flavor list
    --long`` spell the same fields differently)."""
    for name in names:
        if name in doc:
            return doc[name]
    return None


def parse_properties(value: Any, what: str) -> dict[str, Any]:
    """``properties`` as a dict, from either client's form."""
    if value is None or value == '':
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        props, pos = {}, 0
        while pos < len(value):
            match = _PROPERTY_RE.match(value, pos)
            if match is None:
                raise common.CommandError(
                    '%s: cannot read properties %r (expected an object, or '
                    "key='value', ... as older clients print)" % (what,
                                                                  value))
            props[match.group(1)] = match.group(2).replace("\\'", "'")
            pos = match.end()
        return props
    raise common.CommandError('%s: properties must be an object, not %r' % (
        what, value))


def _count(doc: Mapping[str, Any], what: str, *names: str,
           default: int | None = None) -> int:
    value = _field(doc, *names)
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise common.CommandError('%s: %s must be a non-negative integer, '
                                  'not %r' % (what, names[0], value))
    return value


def flavor_from_doc(doc: Any) -> objects.Flavor:
    """A Flavor from one ``flavor show`` or ``flavor list --long`` entry."""
    if not isinstance(doc, Mapping):
        raise common.CommandError('a flavor must be a JSON object, not %r'
                                  % (doc,))
    name = str(_field(doc, 'name', 'Name') or _field(doc, 'id', 'ID') or '?')
    what = 'flavor %s' % name
    return objects.Flavor(
        name=name, flavorid=_field(doc, 'id', 'ID'),
        memory_mb=_count(doc, what, 'ram', 'RAM'),
        vcpus=_count(doc, what, 'vcpus', 'VCPUs'),
        root_gb=_count(doc, what, 'disk', 'Disk', default=0),
        ephemeral_gb=_count(doc, what, 'OS-FLV-EXT-DATA:ephemeral',
                            'Ephemeral', default=0),
        swap=_swap(doc, what),
        extra_specs=parse_properties(_field(doc, 'properties',
                                            'Properties'), what))


def _swap(doc: Mapping[str, Any], what: str) -> int:
    # The client prints no swap as '' (older) or 0.
    if _field(doc, 'swap', 'Swap') in ('', None):
        return 0
    return _count(doc, what, 'swap', 'Swap')


def load_flavors(path: str) -> list[objects.Flavor]:
    """Flavors from ``flavor show`` (one) or ``flavor list --long``."""
    doc = load_json(path)
    docs = doc if isinstance(doc, list) else [doc]
    return [flavor_from_doc(d) for d in docs]


def load_image_properties(path: str) -> dict[str, Any]:
    """The properties of one ``image show`` document."""
    doc = load_json(path)
    if not isinstance(doc, Mapping):
        raise common.CommandError('%s: an image must be a JSON object' % path)
    return parse_properties(doc.get('properties'),
                            'image %s' % doc.get('name', path))


def hypervisor_from_doc(doc: Any, traits: Mapping[str, Any] | None
                        ) -> Hypervisor:
    if not isinstance(doc, Mapping):
        raise common.CommandError('a hypervisor must be a JSON object, not '
                                  '%r' % (doc,))
    name = str(_field(doc, 'hypervisor_hostname', 'Hypervisor Hostname',
                      'name') or '?')
    if _field(doc, 'cpu_info', 'CPU Info') is None:
        raise common.CommandError(
            'hypervisor %s has no cpu_info: compute API microversion 2.88 '
            'and later leave it out; export it with `openstack '
            '--os-compute-api-version %s hypervisor show %s -f json`' % (
                name, CPU_INFO_MICROVERSION, name))
    record = {
        'cpu_info': _field(doc, 'cpu_info', 'CPU Info'),
        'hypervisor_type': _field(doc, 'hypervisor_type',
                                  'Hypervisor Type'),
        'hypervisor_version': _field(doc, 'hypervisor_version',
                                     'Hypervisor Version'),
        'hypervisor_hostname': name,
    }
    host_traits = None
    if traits is not None and name in traits:
        listed = traits[name]
        if not isinstance(listed, list) or not all(
                isinstance(t, str) for t in listed):
            raise common.CommandError('traits of %s must be a list of '
                                      'names, not %r' % (name, listed))
        host_traits = frozenset(listed)
    return Hypervisor(name, record, host_traits)


def load_hypervisors(paths: list[str], traits_path: str | None = None
                     ) -> list[Hypervisor]:
    """Hypervisors from ``hypervisor show`` documents (or lists of them),
    with their traits if a traits file is given."""
    traits = None
    if traits_path is not None:
        traits = load_json(traits_path)
        if not isinstance(traits, Mapping):
            raise common.CommandError(
                '%s: traits must be an object {"HOST": ["TRAIT", ...]}'
                % traits_path)
    found = []
    for path in paths:
        doc = load_json(path)
        for entry in doc if isinstance(doc, list) else [doc]:
            found.append(hypervisor_from_doc(entry, traits))
    return found
