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

"""Reading libvirt XML safely.

Capability documents come from libvirt, and domain XML comes back from it,
but both cross a process boundary: the parser refuses anything that could
make it do more than read a tree (a DTD and its entities, external
resources, processing instructions) and says why in
:class:`~nova.exception.InvalidLibvirtXML`.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from nova import exception

# No DTDs, so no entity expansion (billion laughs) and no external entities;
# no network access; no multi-gigabyte trees.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True,
                          load_dtd=False, huge_tree=False,
                          remove_comments=True, remove_pis=True)

_DOCTYPE_REFUSED = ('documents with a DOCTYPE are refused (libvirt never '
                    'writes one, and a DTD can declare entities)')
# What the prolog may hold before the root element besides a document type
# declaration (XML 1.0 section 2.8): white space, processing instructions
# (the XML declaration is one) and comments.
_PROLOG_MISC_RE = re.compile(rb'\s+|<\?.*?\?>|<!--.*?-->', re.DOTALL)
_DOCTYPE = b'<!DOCTYPE'


def _declares_doctype(xml: bytes) -> bool:
    """Whether the (UTF-8) prolog has a document type declaration.

    Read before libxml2 sees the document: even with entity expansion off,
    libxml2 parses a DTD's declarations, so a billion-laughs document would
    end in its amplification error rather than in our clear refusal.
    """
    pos = len(codecs.BOM_UTF8) if xml.startswith(codecs.BOM_UTF8) else 0
    while True:
        misc = _PROLOG_MISC_RE.match(xml, pos)
        if misc is None:
            return xml.startswith(_DOCTYPE, pos)
        pos = misc.end()


def parse_xml(xml: str | bytes, what: str) -> etree._Element:
    """Parse a libvirt document with the hardened parser.

    :param what: what the document is, for the error message
    :raises InvalidLibvirtXML: not well-formed, or it has a DTD
    """
    if isinstance(xml, str):
        # lxml refuses str input that carries an encoding declaration.
        xml = xml.encode('utf-8')
    if not isinstance(xml, bytes):
        raise exception.InvalidLibvirtXML(
            what=what, reason='expected a string, got %s' %
            type(xml).__name__)
    if _declares_doctype(xml):
        raise exception.InvalidLibvirtXML(what=what, reason=_DOCTYPE_REFUSED)
    try:
        root = etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise exception.InvalidLibvirtXML(what=what, reason=str(exc))
    if root is None:
        raise exception.InvalidLibvirtXML(what=what, reason='empty document')
    if getattr(root.getroottree().docinfo, 'doctype', None):
        # Another encoding (UTF-16) hid it from the check above.
        raise exception.InvalidLibvirtXML(what=what, reason=_DOCTYPE_REFUSED)
    return root
