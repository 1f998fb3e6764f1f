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

"""``nova-maxphysaddr advise``: the width to set, never a shrink."""

import json
import unittest

from tests import base


def advise(*argv):
    rc, out, _ = base.run_cli('advise', '-f', 'json', *argv)
    return rc, json.loads(out)


class AdviseTest(unittest.TestCase):

    def test_1_5_tib(self):
        rc, doc = advise('--ram', '1.5T', '--flavor', 'hana')
        self.assertEqual(0, rc)
        self.assertEqual((42, 41, 42), (
            doc['min_bits'], doc['min_bits_intel_vendor'],
            doc['advised_bits']))
        self.assertEqual(['openstack flavor set hana --property '
                          'hw:maxphysaddr_mode=emulate --property '
                          'hw:maxphysaddr_bits=42'], doc['commands'])

    def test_never_below_the_default_unless_asked(self):
        # It used to say "the default 40 bits suffice" and print a command
        # setting 37, which would shrink the guest's address space.
        rc, doc = advise('--ram', '64G')
        self.assertEqual((0, True, None, []), (
            rc, doc['default_suffices'], doc['advised_bits'],
            doc['commands']))
        self.assertEqual(37, doc['min_bits'])
        rc, doc = advise('--ram', '64G', '--below-default')
        self.assertEqual(37, doc['advised_bits'])
        self.assertIn('hw:maxphysaddr_bits=37', doc['commands'][0])

    def test_large_pci_bars_need_more_than_ram_alone(self):
        # Four GPUs with 128 GiB BARs next to 768 GiB of RAM.
        _, ram_only = advise('--ram', '768G')
        self.assertEqual([], ram_only['commands'])
        rc, doc = advise('--ram', '768G', '--pci-mmio64', '512G')
        self.assertEqual(0, rc)
        self.assertEqual(42, doc['advised_bits'])
        self.assertEqual(512 * 1024, doc['pci_mmio64_mb'])

    def test_machine_type(self):
        _, q35 = advise('--ram', '1G', '--machine-type', 'q35',
                        '--below-default')
        _, pc = advise('--ram', '1G', '--machine-type', 'pc-i440fx-8.2',
                       '--below-default')
        self.assertEqual((36, 33), (q35['advised_bits'], pc['advised_bits']))
        rc, _, err = base.run_cli('advise', '--ram', '1G', '--machine-type',
                                  'microvm')
        self.assertEqual(255, rc)
        self.assertIn('the width rule knows q35 and pc', err)

    def test_beyond_qemu(self):
        rc, doc = advise('--ram', '100000000000000000000000T')
        self.assertEqual(2, rc)
        self.assertEqual([], doc['commands'])
        self.assertIn('no width QEMU supports (up to 52 bits)',
                      doc['messages'][0])
