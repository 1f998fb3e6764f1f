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

"""A small declarative mapping between Python objects and libvirt XML.

Each config class declares its XML once, as class attributes that map a
Python attribute to a place in the document (``'@mode'``, ``'model'``,
``'topology/@sockets'``, a child object, a list of child objects).
Parsing and formatting both walk that one description, so they cannot drift
apart: whatever ``format_dom`` writes, ``parse_dom`` reads back.

Parsing is lenient about values and strict about documents.  Capability
documents come from many libvirt versions and hosts: a value we cannot use
(``bits='abc'``) becomes None with a warning, never an exception, so the
scheduler sees "unknown" rather than a crashed compute service.  Formatting
is strict: we never emit a value libvirt would have to guess at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from typing import TYPE_CHECKING

from lxml import etree
from nova_maxphysaddr.rules import values
from oslo_log import log as logging

from nova import exception
from nova.virt.libvirt import xmlparse

LOG = logging.getLogger(__name__)

# libvirt's memory units (docs: "Memory Allocation"), as KiB multipliers;
# sizes smaller than 1 KiB are not used by any document we read.
_MEMORY_UNITS_KIB = {
    'KiB': 1, 'k': 1,
    'MiB': 1024, 'M': 1024,
    'GiB': 1024 ** 2, 'G': 1024 ** 2,
    'TiB': 1024 ** 3, 'T': 1024 ** 3,
}


# --- value kinds: text <-> Python value --------------------------------------

class _Kind:
    """How one XML value is read (leniently) and written (strictly)."""

    def __init__(self, parse: Callable[[str], Any],
                 fmt: Callable[[Any], str]) -> None:
        self._parse = parse
        self._fmt = fmt

    # ``tag`` and ``path`` say where the value is, for messages only.

    def parse(self, text: str, tag: str, path: str) -> Any:
        try:
            return self._parse(text)
        except ValueError as exc:
            LOG.warning('Ignoring unusable value %s/%s=%r in libvirt XML: %s',
                        tag, path, text, exc)
            return None

    def format(self, value: Any, tag: str, path: str) -> str:
        try:
            return self._fmt(value)
        except ValueError as exc:
            raise exception.InvalidLibvirtXML(
                what='%s/%s' % (tag, path),
                reason='cannot write %r: %s' % (value, exc))


def _format_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError('must be a string, not a %s' % type(value).__name__)
    return value


def int_kind(minimum: int, maximum: int | None = None) -> _Kind:
    return _Kind(lambda text: values.strict_int(text, minimum, maximum),
                 lambda value: str(values.strict_int(value, minimum, maximum)))


def enum_kind(allowed: Iterable[str]) -> _Kind:
    allowed = tuple(allowed)
    return _Kind(lambda text: values.strict_enum(text, allowed),
                 lambda value: values.strict_enum(value, allowed))


STR = _Kind(str, _format_str)
UINT = int_kind(0)
POSITIVE_INT = int_kind(1)


# --- fields: Python attribute <-> place in the document ----------------------

def _split_path(path: str) -> list[str]:
    return [step for step in path.split('/') if step]


def _child(node: etree._Element, tag: str) -> etree._Element | None:
    # iterchildren's tag filter runs in C; find() would parse a path first.
    return next(node.iterchildren(tag), None)


def _find(root: etree._Element, steps: list[str]) -> etree._Element | None:
    node: etree._Element | None = root
    for step in steps:
        node = _child(node, step) if node is not None else None
    return node


def _find_or_make(root: etree._Element,
                  steps: list[str]) -> etree._Element:
    node = root
    for step in steps:
        child = _child(node, step)
        node = child if child is not None else etree.SubElement(node, step)
    return node


class _Field:
    """One Python attribute of a config object and where it lives in XML.

    The declaration is a class attribute; each object holds its value in an
    instance attribute of the same name, set by ``__init__``.
    """

    name = ''

    if TYPE_CHECKING:
        # For the type checker only: an object's attribute holds a value,
        # not the declaration (no descriptor at run time, so attribute
        # access stays a plain dict lookup).
        def __get__(self, obj: Any, objtype: Any = None) -> Any: ...

        def __set__(self, obj: Any, value: Any) -> None: ...

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def default(self) -> Any:
        return None

    def parse(self, root: etree._Element) -> Any:
        raise NotImplementedError

    def format(self, root: etree._Element, value: Any) -> None:
        raise NotImplementedError


class XMLProperty(_Field):
    """A text or attribute value: ``'model'``, ``'@mode'``, ``'a/b/@c'``."""

    def __init__(self, path: str, kind: _Kind = STR) -> None:
        steps = _split_path(path)
        self.attr = steps.pop()[1:] if steps[-1].startswith('@') else None
        self.steps = steps
        self.path = path
        self.kind = kind

    def parse(self, root: etree._Element) -> Any:
        node = _find(root, self.steps)
        if node is None:
            return None
        text = node.get(self.attr) if self.attr else node.text
        if text is None:
            return None
        return self.kind.parse(text, root.tag, self.path)

    def format(self, root: etree._Element, value: Any) -> None:
        if value is None:
            return
        text = self.kind.format(value, root.tag, self.path)
        node = _find_or_make(root, self.steps)
        if self.attr:
            node.set(self.attr, text)
        else:
            node.text = text


class XMLMemory(_Field):
    """A size element such as ``<memory unit='KiB'>N</memory>``, in KiB."""

    def __init__(self, path: str) -> None:
        self.steps = _split_path(path)
        self.path = path

    def parse(self, root: etree._Element) -> int | None:
        node = _find(root, self.steps)
        if node is None or node.text is None:
            return None
        unit = node.get('unit', 'KiB')
        if unit not in _MEMORY_UNITS_KIB:
            LOG.warning('Ignoring %s/%s with unknown unit %r in libvirt XML',
                        root.tag, self.path, unit)
            return None
        size = UINT.parse(node.text, root.tag, self.path)
        return None if size is None else size * _MEMORY_UNITS_KIB[unit]

    def format(self, root: etree._Element, value: Any) -> None:
        if value is None:
            return
        node = _find_or_make(root, self.steps)
        node.text = UINT.format(value, root.tag, self.path)
        node.set('unit', 'KiB')


class XMLChildren(_Field):
    """A list of config objects, told apart by their root element names."""

    def __init__(self, *classes: type[LibvirtConfigObject],
                 parent: str = '') -> None:
        self.classes = {cls.ROOT_NAME: cls for cls in classes}
        self.steps = _split_path(parent)

    def default(self) -> Any:
        return []

    def parse(self, root: etree._Element) -> Any:
        container = _find(root, self.steps)
        if container is None:
            return []
        found = []
        for node in container:
            cls = self.classes.get(node.tag)
            if cls is not None:
                obj = cls()
                obj.parse_dom(node)
                found.append(obj)
        return found

    def format(self, root: etree._Element, value: Any) -> None:
        if not value:
            return
        container = _find_or_make(root, self.steps)
        for obj in value:
            if type(obj) not in self.classes.values():
                raise exception.InvalidLibvirtXML(
                    what=root.tag, reason='%s cannot hold a %s' % (
                        self.name, type(obj).__name__))
            obj.format_dom(container)


class XMLChild(XMLChildren):
    """At most one config object (the first one found)."""

    def default(self) -> None:
        return None

    def parse(self, root: etree._Element) -> Any:
        found = super().parse(root)
        return found[0] if found else None

    def format(self, root: etree._Element, value: Any) -> None:
        super().format(root, [] if value is None else [value])


class LibvirtConfigObject:
    """Base of every libvirt XML class: symmetric parse and format."""

    ROOT_NAME = ''
    _fields: tuple[_Field, ...] = ()
    _field_names: frozenset[str] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[str, _Field] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, _Field):
                    # A redefinition keeps the base class's position.
                    found[name] = value
                elif name in found:
                    # ``name = None`` in a subclass removes a base field.
                    del found[name]
        cls._fields = tuple(found.values())
        cls._field_names = frozenset(found)

    def __init__(self, **kwargs: Any) -> None:
        for field in self._fields:
            setattr(self, field.name, field.default())
        for name, value in kwargs.items():
            if name not in self._field_names:
                raise TypeError('%s has no field %r' % (
                    type(self).__name__, name))
            setattr(self, name, value)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name)
                   for f in self._fields)

    def __repr__(self) -> str:
        values = ', '.join('%s=%r' % (f.name, getattr(self, f.name))
                           for f in self._fields
                           if getattr(self, f.name) not in (None, []))
        return '%s(%s)' % (type(self).__name__, values)

    def format_dom(self, parent: etree._Element | None = None
                   ) -> etree._Element:
        """The element for this object, appended to ``parent`` if given.

        Building children in place is several times cheaper in lxml than
        building each in a document of its own and moving it.
        """
        root = (etree.Element(self.ROOT_NAME) if parent is None
                else etree.SubElement(parent, self.ROOT_NAME))
        for field in self._fields:
            field.format(root, getattr(self, field.name))
        return root

    def parse_dom(self, xmldoc: etree._Element) -> None:
        """Set every field from ``xmldoc`` (absent ones to their default)."""
        if xmldoc.tag != self.ROOT_NAME:
            raise exception.InvalidLibvirtXML(
                what=self.ROOT_NAME, reason='expected a <%s> element, got '
                '<%s>' % (self.ROOT_NAME, xmldoc.tag))
        for field in self._fields:
            setattr(self, field.name, field.parse(xmldoc))

    def parse_str(self, xmlstr: str | bytes) -> None:
        self.parse_dom(xmlparse.parse_xml(xmlstr, self.ROOT_NAME))

    def to_xml(self, pretty_print: bool = True) -> str:
        return etree.tostring(self.format_dom(), encoding='unicode',
                              pretty_print=pretty_print)
