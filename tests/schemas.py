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

"""Validate XML against libvirt's own RelaxNG schemas.

libvirt ships the schemas its parser is written against in
``/usr/share/libvirt/schemas`` (Debian: package ``libvirt0``).  A document
they refuse is one libvirt may refuse too, so every domain XML the driver
emits goes through :func:`validate_domain_xml`.  The schemas accept values
QEMU later refuses (``bits='0'``, ``bits='200'``): they complement our own
validation, they do not replace it.

A missing schema is an error, not a skip: CI installs ``libvirt0``.
"""

from __future__ import annotations

import functools
import os

from lxml import etree

SCHEMA_DIR = '/usr/share/libvirt/schemas'


@functools.cache
def _schema(name: str) -> etree.RelaxNG:
    path = os.path.join(SCHEMA_DIR, name)
    if not os.path.exists(path):
        raise AssertionError(
            'libvirt schema %s is missing: install the Debian package '
            'libvirt0 (tools/bootstrap.sh does)' % path)
    return etree.RelaxNG(etree.parse(path))


def _validate(schema_name: str, xml: str | bytes) -> None:
    if isinstance(xml, str):
        xml = xml.encode('utf-8')
    doc = etree.fromstring(xml, etree.XMLParser(resolve_entities=False,
                                                no_network=True))
    schema = _schema(schema_name)
    if not schema.validate(doc):
        errors = '\n'.join('line %d: %s' % (e.line, e.message)
                           for e in schema.error_log)
        raise AssertionError('%s rejects the document:\n%s\n--- document:\n%s'
                             % (schema_name, errors, xml.decode('utf-8')))


def validate_domain_xml(xml: str | bytes) -> None:
    """Raise AssertionError, with the schema's errors, unless valid."""
    _validate('domain.rng', xml)


def validate_capabilities_xml(xml: str | bytes) -> None:
    """As :func:`validate_domain_xml`, for a host capabilities document."""
    _validate('capability.rng', xml)
