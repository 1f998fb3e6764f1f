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

"""The README's main job, for real: ``nova-maxphysaddr demo`` on real QEMU,
and ``boot`` telling why a host cannot take a request.

Each runs as its own process, as operators run it: libvirt allows one
embedded root per process, and the tests in this directory already hold one.
"""

import json
import os
import subprocess
import sys
import unittest

from nova.demo import embedded

from tests.e2e import base

# The demo starts two 1.5 TiB guests (one refused by QEMU): about 25 s.
DEMO_TIMEOUT = 300


def run_cli(*argv):
    return subprocess.run(
        [sys.executable, '-m', 'nova.cmd.maxphysaddr', *argv],
        capture_output=True, text=True, timeout=DEMO_TIMEOUT,
        env=dict(os.environ, LIBVIRT_LOG_OUTPUTS='4:stderr'))


class MainJobTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        base.require_qemu()
        cls.result = run_cli('demo', '-f', 'json')
        cls.doc = json.loads(cls.result.stdout)

    def steps(self, scenario):
        return {s['name']: s for s in self.doc['scenarios'][scenario]['steps']}

    def test_runs_on_real_qemu_and_ends_as_expected(self):
        self.assertEqual(0, self.result.returncode, self.result.stderr)
        self.assertTrue(self.doc['as_expected'])
        self.assertIn('embedded QEMU driver', self.doc['backend'])

    def test_uses_kvm_when_it_can_and_says_so(self):
        expected = 'TCG' if embedded.kvm_unusable_reason() else 'KVM'
        self.assertEqual(expected, self.doc['accelerator'])
        self.assertIn('real QEMU under %s' % expected, self.doc['backend'])

    def test_progress_is_printed_as_it_goes(self):
        # With -f json the steps go to stderr as they complete.
        self.assertIn('probing QEMU', self.result.stderr)
        self.assertLess(self.result.stderr.index('[6] spawn        FAIL'),
                        self.result.stderr.index('[6] spawn        OK'))

    def test_without_the_feature_qemu_refuses_and_we_explain(self):
        spawn = self.steps(0)['spawn']
        self.assertFalse(spawn['ok'])
        self.assertIn('phys-bits too low (40)',
                      spawn['data']['error']['message'])
        self.assertIn('Set hw:maxphysaddr_mode=emulate and '
                      'hw:maxphysaddr_bits=42', spawn['data']['explanation'])

    def test_with_the_advised_bits_the_guest_runs_with_them(self):
        steps = self.steps(1)
        self.assertEqual(['COMPUTE_ADDRESS_SPACE_EMULATED'],
                         steps['request_spec']['data']['required_traits'])
        data = steps['spawn']['data']
        self.assertTrue(steps['spawn']['ok'])
        self.assertIn('phys-bits=42', data['qemu_cpu_arg'])
        self.assertEqual(42, data['qemu_phys_bits'])
        self.assertIn('<maxphysaddr mode="emulate" bits="42"/>',
                      data['cpu_xml'])
        # Placement left out the hosts without the trait; the simulated
        # 39-bit host was filtered out on its width.
        self.assertEqual({'this-host', 'intel-39', 'intel-46', 'amd-48',
                          'amd-52'},
                         set(steps['placement']['data']['candidates']))
        rejected = {r['host'] for r in steps['filters']['data']['rejected']}
        self.assertEqual({'intel-39'}, rejected)


class PassthroughUnderTCGTest(unittest.TestCase):
    """Passthrough needs KVM: under TCG the real host reports no trait, and
    the walk-through says why (it used to fail every host silently)."""

    def test_the_driver_says_why(self):
        base.require_qemu()
        result = run_cli('boot', '--ram', '1G', '--virt-type', 'qemu',
                         '--no-simulated-hosts', '--property',
                         'hw:maxphysaddr_mode=passthrough')
        self.assertEqual(2, result.returncode, result.stderr)
        self.assertIn("real QEMU under TCG", result.stdout)
        self.assertIn('this-host    does not report required trait(s) '
                      'COMPUTE_ADDRESS_SPACE_PASSTHROUGH; its driver: QEMU '
                      "gives a guest the host's width only under KVM",
                      result.stdout)
