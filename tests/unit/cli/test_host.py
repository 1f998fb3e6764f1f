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

"""``nova-maxphysaddr host``: what nova-compute would report, from
nova.conf; on libvirt's real test driver."""

import json
import tempfile
import unittest

import libvirt

from tests import base

TEST_URI = 'test:///default'


def host(*argv):
    rc, out, err = base.run_cli('host', '-f', 'json', *argv)
    return rc, (json.loads(out) if out.strip() else None), err


class HostTest(unittest.TestCase):

    def setUp(self):
        # A libvirtError built later elsewhere would pick up this one's.
        self.addCleanup(libvirt.virResetLastError)

    def test_report(self):
        rc, doc, err = host('--connect', TEST_URI)
        self.assertEqual(0, rc)
        self.assertEqual((TEST_URI, 'TEST', 'i686', None), (
            doc['uri'], doc['hypervisor'], doc['arch'],
            doc['physical_address_bits']))
        self.assertEqual('not reported: it needs libvirt >= 8.7.0 with QEMU '
                         '>= 2.7.0; this host has libvirt %s with TEST 0.0.2'
                         % doc['libvirt_version'],
                         doc['COMPUTE_ADDRESS_SPACE_EMULATED'])
        # Progress while it works, on stderr.
        self.assertIn('Connecting to test:///default...', err)

    def test_nova_defaults_without_nova_conf(self):
        # nova-compute's defaults: kvm, and qemu:///system (not the
        # embedded driver under TCG, as this command used to use).
        rc, doc, _ = host('--connect', TEST_URI)
        self.assertEqual(('kvm', None), (doc['virt_type'], doc['cpu_mode']))

    def test_nova_conf_is_read(self):
        with tempfile.NamedTemporaryFile('w', suffix='.conf') as conf:
            conf.write('[libvirt]\nconnection_uri = %s\nvirt_type = qemu\n'
                       'cpu_mode = custom\ncpu_models = qemu64\n' % TEST_URI)
            conf.flush()
            rc, out, _ = base.run_cli('--config-file', conf.name, 'host',
                                      '-f', 'json')
        doc = json.loads(out)
        self.assertEqual(0, rc)
        self.assertEqual((TEST_URI, 'qemu', 'custom'), (
            doc['uri'], doc['virt_type'], doc['cpu_mode']))
        self.assertIn(conf.name, doc['backend'])

    def test_unreachable_libvirt_is_an_error_not_a_verdict(self):
        rc, doc, err = host('--connect', 'test:///nonexistent.xml')
        self.assertEqual(255, rc)
        self.assertIsNone(doc)
        self.assertIn('ERROR: Cannot connect to the hypervisor at '
                      'test:///nonexistent.xml', err)
