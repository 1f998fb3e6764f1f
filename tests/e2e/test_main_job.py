"""The README's main job, for real: ``nova-maxphysaddr demo`` on real QEMU.

Run as its own process, as operators run it: libvirt allows one embedded
root per process, and the tests in this directory already hold one.
"""

import json
import os
import subprocess
import sys
import unittest

from tests.e2e import base

# The demo starts two 1.5 TiB guests (one refused by QEMU) in about 15 s.
DEMO_TIMEOUT = 300


class MainJobTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        reason = base.skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        cls.result = subprocess.run(
            [sys.executable, '-m', 'nova.cmd.maxphysaddr', 'demo', '--json'],
            capture_output=True, text=True, timeout=DEMO_TIMEOUT,
            env=dict(os.environ, LIBVIRT_LOG_OUTPUTS='4:stderr'))
        cls.doc = json.loads(cls.result.stdout)

    def steps(self, scenario):
        return {s['name']: s for s in self.doc['scenarios'][scenario]['steps']}

    def test_runs_on_real_qemu_and_ends_as_expected(self):
        self.assertEqual(0, self.result.returncode, self.result.stderr)
        self.assertTrue(self.doc['as_expected'])
        self.assertIn('embedded QEMU driver', self.doc['backend'])

    def test_without_the_feature_qemu_refuses_and_we_explain(self):
        spawn = self.steps(0)['spawn']
        self.assertFalse(spawn['ok'])
        self.assertIn('phys-bits too low (40)',
                      spawn['details']['error']['message'])
        self.assertIn('set hw:maxphysaddr_mode=emulate and '
                      'hw:maxphysaddr_bits=42',
                      spawn['details']['explanation'])

    def test_with_the_advised_bits_the_guest_runs_with_them(self):
        steps = self.steps(1)
        self.assertEqual(['COMPUTE_ADDRESS_SPACE_EMULATED'],
                         steps['request_spec']['details']['required_traits'])
        details = steps['spawn']['details']
        self.assertTrue(steps['spawn']['ok'])
        self.assertIn('phys-bits=42', details['qemu_cpu_arg'])
        self.assertTrue(details['qemu_phys_bits'].startswith('phys-bits=42,'))
        self.assertIn('<maxphysaddr mode="emulate" bits="42"/>',
                      details['cpu_xml'])
        # The simulated 39-bit host was filtered out on its width.
        rejected = {r['host'] for r in
                    steps['filters']['details']['rejected']}
        self.assertEqual({'intel-39'}, rejected)
