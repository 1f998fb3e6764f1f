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

"""``nova-maxphysaddr boot`` on libvirt's test driver: every step printed
as it completes, real Placement, and clean errors."""

import json
import unittest

import libvirt

from tests import base

TEST_URI = 'test:///default'


class BootTest(unittest.TestCase):

    def setUp(self):
        self.addCleanup(libvirt.virResetLastError)

    def test_steps_in_order(self):
        rc, out, _ = base.run_cli('boot', '--ram', '2G', '--connect',
                                  TEST_URI, '--no-simulated-hosts')
        self.assertEqual(0, rc)
        steps = [line.split()[1] for line in out.splitlines()
                 if line.startswith('[')]
        self.assertEqual(['api', 'request_spec', 'placement', 'filters',
                          'choose', 'spawn'], steps)
        self.assertIn('RESULT: the guest booted', out)

    def test_json_keeps_stdout_clean(self):
        rc, out, err = base.run_cli('boot', '--ram', '2G', '--connect',
                                    TEST_URI, '--no-simulated-hosts',
                                    '-f', 'json')
        doc = json.loads(out)
        self.assertTrue(doc['booted'])
        self.assertIsNone(doc['accelerator'])
        self.assertIn('[6] spawn', err)
        api = doc['steps'][0]['data']
        self.assertEqual({'maxphysaddr': None, 'not_checked': []}, api)

    def test_a_host_without_the_trait_says_why(self):
        # libvirt's test driver is not QEMU: the driver's own reason is
        # shown next to Placement's answer.
        rc, out, _ = base.run_cli(
            'boot', '--ram', '2G', '--connect', TEST_URI,
            '--no-simulated-hosts', '--property',
            'hw:maxphysaddr_mode=passthrough')
        self.assertEqual(2, rc)
        self.assertIn('[3] placement    FAIL  0 of 1 hosts', out)
        self.assertIn('this-host    does not report required trait(s) '
                      'COMPUTE_ADDRESS_SPACE_PASSTHROUGH; its driver: it '
                      'needs libvirt >= 8.7.0 with QEMU >= 2.7.0', out)

    def test_simulated_hosts(self):
        rc, out, _ = base.run_cli(
            'boot', '--ram', '1.5T', '--connect', TEST_URI, '--property',
            'hw:maxphysaddr_mode=emulate', '--property',
            'hw:maxphysaddr_bits=42', '-f', 'json')
        doc = json.loads(out)
        filters = [s for s in doc['steps'] if s['name'] == 'filters'][0]
        self.assertEqual(['intel-46', 'amd-48', 'amd-52'],
                         filters['data']['passed'])
        self.assertEqual({'intel-46': 46, 'amd-48': 48, 'amd-52': 52,
                          'intel-39': 39},
                         filters['data']['physical_address_bits'])
        self.assertEqual(2, rc)  # simulated hosts cannot run guests

    def test_refused_by_the_api(self):
        rc, out, _ = base.run_cli(
            'boot', '--ram', '1.5T', '--connect', TEST_URI,
            '--no-simulated-hosts', '--property',
            'hw:maxphysaddr_mode=emulate', '--property',
            'hw:maxphysaddr_bits=40')
        self.assertEqual(2, rc)
        self.assertIn('[1] api          FAIL  the API refuses the request '
                      '(HTTP 400)', out)

    def test_unreachable_libvirt_is_an_error_not_a_refusal(self):
        rc, out, err = base.run_cli('boot', '--ram', '2G', '--connect',
                                    'test:///nonexistent.xml')
        self.assertEqual(255, rc)
        self.assertIn('ERROR: Cannot connect to the hypervisor', err)
