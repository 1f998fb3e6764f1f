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

"""Hostile XML: entity expansion, external entities, network access.

Every libvirt document we read (host capabilities, domain XML) goes through
one hardened parser.  Each attack here is first shown to work against a
permissive lxml parser, so that the refusals below cannot pass because the
document was harmless to begin with.
"""

import http.server
import os
import tempfile
import threading
import time
import unittest
import urllib.request

from lxml import etree

from nova import exception
from nova.virt.libvirt import config
from nova.virt.libvirt import host
from nova.virt.libvirt import xmlparse

from tests import base

# Refused "quickly": well under a second on a loaded CI machine, where
# expanding a billion laughs would take minutes and gigabytes.
QUICK_SECONDS = 1.0
# 10 levels of 10 references: 10**9 copies of the innermost entity.
LAUGH_LEVELS = 10
SECRET = 'S3CRET-not-for-guests-7f3a'

# Where each kind of document is parsed, and the wrapper it is refused with.
CAPS_BODY = ('<capabilities><host><uuid>%s</uuid><cpu><arch>x86_64</arch>'
             '</cpu></host></capabilities>')
DOMAIN_BODY = ("<domain type='qemu'><name>%s</name><os><type arch='x86_64'>"
               "hvm</type></os></domain>")


def billion_laughs(root, body):
    entities = ['<!ENTITY lol0 "lol">'] + [
        '<!ENTITY lol%d "%s">' % (level, '&lol%d;' % (level - 1) * 10)
        for level in range(1, LAUGH_LEVELS)]
    return ('<?xml version="1.0"?>\n<!DOCTYPE %s [\n%s\n]>\n%s' % (
        root, '\n'.join(entities), body % '&lol%d;' % (LAUGH_LEVELS - 1)))


def external_entity(root, body, url):
    return '<!DOCTYPE %s [<!ENTITY ext SYSTEM "%s">]>%s' % (
        root, url, body % '&ext;')


def external_dtd(root, body, url):
    return '<!DOCTYPE %s SYSTEM "%s">%s' % (root, url, body % 'x')


def parameter_entity(root, body, url):
    return '<!DOCTYPE %s [<!ENTITY %% remote SYSTEM "%s"> %%remote;]>%s' % (
        root, url, body % 'x')


class _FetchingResolver(etree.Resolver):
    """Fetches http URLs itself: this machine's libxml2 (2.14) has no HTTP
    client of its own, older ones do."""

    def resolve(self, url, pubid, context):
        if url.startswith('http://'):
            with urllib.request.urlopen(url) as response:
                return self.resolve_string(response.read(), context)
        return None


def permissive_parse(xml):
    """What an unhardened reader would do with the document."""
    parser = etree.XMLParser(resolve_entities=True, load_dtd=True,
                             no_network=False, huge_tree=True)
    parser.resolvers.add(_FetchingResolver())
    return etree.fromstring(xml.encode(), parser)


class _CountingHandler(http.server.BaseHTTPRequestHandler):

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.hits.append(self.path)
        # Empty: valid as a DTD, a parameter entity and element content.
        body = b''
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class HostileDocumentTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = http.server.HTTPServer(('127.0.0.1', 0),
                                            _CountingHandler)
        cls.server.hits = []
        thread = threading.Thread(target=cls.server.serve_forever,
                                  daemon=True)
        thread.start()
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)
        cls.url = 'http://127.0.0.1:%d/evil.dtd' % cls.server.server_port

    def setUp(self):
        super().setUp()
        self.server.hits.clear()
        fd, self.secret_path = tempfile.mkstemp()
        with os.fdopen(fd, 'w') as f:
            f.write(SECRET)
        self.addCleanup(os.unlink, self.secret_path)
        self.file_url = 'file://' + self.secret_path

    # One entry per reader: (name, document root, body, read(xml)).
    READERS = (
        ('capabilities', 'capabilities', CAPS_BODY,
         lambda xml: config.LibvirtConfigCaps().parse_str(xml)),
        ('domain', 'domain', DOMAIN_BODY,
         lambda xml: config.LibvirtConfigGuest().parse_str(xml)),
        ('domain XML', 'domain', DOMAIN_BODY,
         lambda xml: xmlparse.parse_xml(xml, 'domain XML')),
    )

    def assertRefusedQuickly(self, xml, what, read):
        start = time.monotonic()
        with self.assertRaises(exception.InvalidLibvirtXML) as ctx:
            read(xml)
        self.assertLess(time.monotonic() - start, QUICK_SECONDS)
        self.assertEqual(
            'Invalid libvirt XML for %s: documents with a DOCTYPE are '
            'refused (libvirt never writes one, and a DTD can declare '
            'entities)' % what, str(ctx.exception))
        self.assertNotIn(SECRET, str(ctx.exception))
        self.assertEqual([], self.server.hits)

    def test_billion_laughs(self):
        for what, root, body, read in self.READERS:
            with self.subTest(what=what):
                xml = billion_laughs(root, body)
                # libxml2's own guard stops a permissive parser too, but
                # only after it started expanding; ours never starts.
                self.assertRaisesRegex(etree.XMLSyntaxError,
                                       'amplification|loop|entity',
                                       permissive_parse, xml)
                self.assertRefusedQuickly(xml, what, read)

    def test_external_file_entity(self):
        for what, root, body, read in self.READERS:
            with self.subTest(what=what):
                xml = external_entity(root, body, self.file_url)
                self.assertIn(SECRET, etree.tostring(
                    permissive_parse(xml)).decode())
                self.assertRefusedQuickly(xml, what, read)

    def test_network_entity_dtd_and_parameter_entity(self):
        for attack in (external_entity, external_dtd, parameter_entity):
            for what, root, body, read in self.READERS:
                with self.subTest(attack=attack.__name__, what=what):
                    xml = attack(root, body, self.url)
                    self.assertRefusedQuickly(xml, what, read)
        # The server counts what reaches it: each attack does reach it
        # from a parser that resolves external references.
        for attack in (external_entity, external_dtd, parameter_entity):
            permissive_parse(attack('domain', DOMAIN_BODY, self.url))
        self.assertEqual(['/evil.dtd'] * 3, self.server.hits)

    def test_deep_nesting_is_refused_quickly(self):
        # libxml2 stops at 256 levels without huge_tree; a permissive parser
        # with huge_tree builds the whole tree.
        depth = 1000
        xml = ('<capabilities>' + '<a>' * depth + '</a>' * depth +
               '</capabilities>')
        self.assertEqual('capabilities', permissive_parse(xml).tag)
        start = time.monotonic()
        with self.assertRaises(exception.InvalidLibvirtXML) as ctx:
            config.LibvirtConfigCaps().parse_str(xml)
        self.assertLess(time.monotonic() - start, QUICK_SECONDS)
        self.assertTrue(str(ctx.exception).startswith(
            'Invalid libvirt XML for capabilities: '))
        self.assertIn('Excessive depth', str(ctx.exception))

    def test_utf16_billion_laughs(self):
        # The prolog check reads UTF-8; in another encoding the DTD reaches
        # libxml2, whose amplification guard stops it, still quickly and
        # still as our error.
        xml = billion_laughs('capabilities', CAPS_BODY).replace(
            '<?xml version="1.0"?>',
            '<?xml version="1.0" encoding="UTF-16"?>').encode('utf-16')
        start = time.monotonic()
        with self.assertRaises(exception.InvalidLibvirtXML) as ctx:
            config.LibvirtConfigCaps().parse_str(xml)
        self.assertLess(time.monotonic() - start, QUICK_SECONDS)
        self.assertTrue(str(ctx.exception).startswith(
            'Invalid libvirt XML for capabilities: '), str(ctx.exception))

    def test_doctype_in_the_prolog_after_comments_and_declaration(self):
        for prolog in ('\ufeff', '<?xml version="1.0"?>\n',
                       '<!-- <capabilities> -->\n<?pi x?>\n  '):
            with self.subTest(prolog=prolog):
                self.assertRefusedQuickly(
                    prolog + '<!DOCTYPE capabilities>' + CAPS_BODY % 'x',
                    'capabilities',
                    lambda xml: config.LibvirtConfigCaps().parse_str(xml))

    def test_doctype_text_inside_the_document_is_data(self):
        # Only the prolog can declare a DTD; escaped markup in content is
        # ordinary text and is read as such.
        caps = config.LibvirtConfigCaps()
        caps.parse_str(CAPS_BODY % '&lt;!DOCTYPE x&gt;')
        self.assertEqual('<!DOCTYPE x>', caps.host.uuid)

    def test_xinclude_is_not_processed(self):
        xml = ("<capabilities xmlns:xi='http://www.w3.org/2001/XInclude'>"
               "<host><cpu><arch>x86_64</arch></cpu>"
               "<xi:include href='%s' parse='text'/></host>"
               "</capabilities>" % self.file_url)
        caps = config.LibvirtConfigCaps()
        caps.parse_str(xml)
        self.assertEqual('x86_64', caps.host.cpu.arch)
        self.assertNotIn(SECRET, caps.to_xml())


class HostCapabilitiesAttackTest(base.LibvirtTestCase):
    """The compute service's reader: a hostile capabilities document (a
    compromised or buggy libvirtd) stops with our error, not a hang."""

    def test_refused_with_invalid_host_capabilities(self):
        for xml in (billion_laughs('capabilities', CAPS_BODY),
                    external_entity('capabilities', CAPS_BODY,
                                    'file:///etc/passwd'),
                    external_dtd('capabilities', CAPS_BODY,
                                 'http://127.0.0.1:9/x.dtd')):
            with self.subTest(xml=xml[:60]):
                self.conn.capabilities = xml
                start = time.monotonic()
                with self.assertRaises(
                        exception.InvalidHostCapabilities) as ctx:
                    host.Host().get_capabilities()
                self.assertLess(time.monotonic() - start, QUICK_SECONDS)
                self.assertEqual(
                    'Cannot use the host capabilities document: Invalid '
                    'libvirt XML for capabilities: documents with a DOCTYPE '
                    'are refused (libvirt never writes one, and a DTD can '
                    'declare entities)', str(ctx.exception))
