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

"""Host: the connection, versions and the cached capabilities."""

from nova import exception
from nova.virt.libvirt import host

from tests import base
from tests import fakelibvirt
from tests import fakes


class ConnectionTest(base.LibvirtTestCase):

    def test_uri_derived_from_virt_type(self):
        for virt_type, uri in (('kvm', 'qemu:///system'),
                               ('qemu', 'qemu:///system'),
                               ('lxc', 'lxc:///'),
                               ('parallels', 'parallels:///system')):
            with self.subTest(virt_type=virt_type):
                self.flags(virt_type=virt_type)
                h = host.Host()
                h.get_connection()
                self.assertEqual(uri, self.conn.uri)

    def test_connection_uri_option_and_argument(self):
        self.flags(virt_type='lxc', connection_uri='test:///default')
        self.assertEqual('test:///default', host.Host().uri)
        self.assertEqual('qemu:///embed?root=/x',
                         host.Host('qemu:///embed?root=/x').uri)

    def test_connects_once_lazily(self):
        h = host.Host()
        self.assertEqual(0, self.conn.opens)
        self.assertIs(self.conn, h.get_connection())
        self.assertIs(self.conn, h.get_connection())
        self.assertEqual(1, self.conn.opens)

    def test_open_failure(self):
        fakelibvirt._open_error = 'Failed to connect socket to ' \
            "'/var/run/libvirt/libvirt-sock': No such file or directory"
        with self.assertRaises(exception.HypervisorUnavailable) as ctx:
            host.Host('qemu:///system').get_connection()
        self.assertEqual(
            "Cannot connect to the hypervisor at qemu:///system: Failed to "
            "connect socket to '/var/run/libvirt/libvirt-sock': No such "
            "file or directory", str(ctx.exception))

    def test_close_reconnects_and_rereads(self):
        h = host.Host()
        h.get_capabilities()
        h.close()
        self.assertTrue(self.conn.closed)
        h.get_capabilities()
        self.assertEqual(2, self.conn.capabilities_calls)

    def test_close_without_connection(self):
        host.Host().close()
        self.assertFalse(self.conn.closed)


class VersionTest(base.LibvirtTestCase):

    def test_versions_and_type(self):
        self.conn.libversion = 8007000
        self.conn.hv_version = 7002000
        h = host.Host()
        self.assertEqual((8007000, 7002000, 'QEMU', 'compute1'),
                         (h.get_libversion(), h.get_version(),
                          h.get_hypervisor_type(), h.get_hostname()))

    def test_junk_versions(self):
        for junk in (-1, '9000000', None, True, 9.0):
            with self.subTest(version=junk):
                self.conn.libversion = junk
                self.conn.hv_version = junk
                h = host.Host()
                with self.assertRaises(
                        exception.InvalidHypervisorVersion) as ctx:
                    h.get_libversion()
                self.assertEqual(
                    'Invalid libvirt version %r: libvirt reports versions '
                    'as a non-negative integer, major * 1000000 + minor * '
                    '1000 + release' % (junk,), str(ctx.exception))
                with self.assertRaises(
                        exception.InvalidHypervisorVersion) as ctx:
                    h.get_version()
                self.assertTrue(str(ctx.exception).startswith(
                    'Invalid QEMU version %r: ' % (junk,)))

    def test_version_libvirt_cannot_tell(self):
        def unsupported():
            raise fakelibvirt.libvirtError(
                'this function is not supported by the connection driver')
        self.conn.getVersion = unsupported
        with self.assertRaises(exception.InvalidHypervisorVersion) as ctx:
            host.Host().get_version()
        self.assertEqual(
            'Invalid QEMU version None: libvirt could not tell: this '
            'function is not supported by the connection driver',
            str(ctx.exception))

    def test_has_min_version(self):
        self.conn.libversion = 8007000
        self.conn.hv_version = 2007000
        h = host.Host()
        for kwargs, expected in (
                ({}, True),
                ({'lv_ver': (8, 7, 0)}, True),
                ({'lv_ver': (8, 7, 1)}, False),
                ({'lv_ver': (8, 6, 99)}, True),
                ({'lv_ver': (9, 0, 0)}, False),
                ({'hv_ver': (2, 7, 0)}, True),
                ({'hv_ver': (2, 7, 1)}, False),
                ({'hv_type': 'QEMU'}, True),
                ({'hv_type': 'LXC'}, False),
                ({'lv_ver': (8, 7, 0), 'hv_ver': (2, 7, 0),
                  'hv_type': 'QEMU'}, True),
                ({'lv_ver': (8, 7, 0), 'hv_ver': (2, 7, 0),
                  'hv_type': 'TEST'}, False)):
            with self.subTest(**kwargs):
                self.assertIs(expected, h.has_min_version(**kwargs))

    def test_has_min_version_does_not_compare_another_hypervisor(self):
        # The test driver's version 2 means nothing against QEMU's 2.7.0.
        self.conn.hv_type = 'TEST'
        self.conn.hv_version = 'junk'
        self.assertFalse(host.Host().has_min_version(
            hv_ver=(2, 7, 0), hv_type='QEMU'))


class CapabilitiesTest(base.LibvirtTestCase):

    def test_parsed_once(self):
        self.conn.capabilities = fakes.fixture(fakes.INTEL_46)
        h = host.Host()
        caps = h.get_capabilities()
        self.assertIs(caps, h.get_capabilities())
        self.assertEqual(1, self.conn.capabilities_calls)
        self.assertEqual((46, 'Intel'), (caps.host.cpu.maxphysaddr.bits,
                                         caps.host.cpu.vendor))

    def test_unusable_documents(self):
        for doc, reason in (
                ('<capabilities><host>',
                 'Invalid libvirt XML for capabilities: Premature end'),
                ('<capabilities/>', 'it has no <host><cpu><arch> element'),
                ('<capabilities><host><cpu><model>x</model></cpu></host>'
                 '</capabilities>', 'it has no <host><cpu><arch> element'),
                ('<!DOCTYPE capabilities><capabilities/>',
                 'documents with a DOCTYPE are refused'),
                ('<domain/>', 'expected a <capabilities> element, got '
                              '<domain>')):
            with self.subTest(doc=doc):
                self.conn.capabilities = doc
                with self.assertRaises(
                        exception.InvalidHostCapabilities) as ctx:
                    host.Host().get_capabilities()
                self.assertTrue(str(ctx.exception).startswith(
                    'Cannot use the host capabilities document: '))
                self.assertIn(reason, str(ctx.exception))

    def test_cpu_count_and_memory(self):
        self.conn.cpus = 16
        self.conn.memory_mb = 24000
        h = host.Host()
        self.assertEqual((16, 24000), (h.get_cpu_count(),
                                       h.get_memory_mb_total()))
