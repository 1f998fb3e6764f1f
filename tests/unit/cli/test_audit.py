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

"""``nova-maxphysaddr audit`` on a cloud's exported flavors and hosts."""

import json
import os
import unittest

from tests import base
from tests import fakes

EXPORTS = os.path.join(fakes.FIXTURES, 'openstack')
HOSTS = ['hypervisor-show-epyc-48.json', 'hypervisor-show-xeon-46.json',
         'hypervisor-show-client-39.json', 'hypervisor-show-old-libvirt.json']


def audit(*extra, traits=True):
    argv = ['audit', '-f', 'json', '--flavors',
            os.path.join(EXPORTS, 'flavor-list-long.json')]
    for name in HOSTS:
        argv += ['--hypervisor', os.path.join(EXPORTS, name)]
    if traits:
        argv += ['--traits', os.path.join(EXPORTS, 'traits.json')]
    rc, out, err = base.run_cli(*argv, *extra)
    return rc, json.loads(out), err


class AuditTest(unittest.TestCase):

    def test_flavors(self):
        rc, rows, _ = audit()
        self.assertEqual(2, rc)
        by_name = {row['flavor']: row for row in rows}
        all_hosts = ['epyc-48.example.org', 'xeon-46.example.org',
                     'client-39.example.org', 'old.example.org']
        wide = ['epyc-48.example.org', 'xeon-46.example.org']
        self.assertEqual({
            'm1.large': ('ok', all_hosts),
            'db.hugepages.512g': ('ok', all_hosts),
            # 1.5 TiB without the keys: QEMU refuses it everywhere.
            'hana.1.5t': ('failure', None),
            'hana.1.5t.bits42': ('ok', wide),
            # No host has 50 bits.
            'huge.bits50': ('failure', []),
            # The two hosts with the trait and a width that holds 1 TiB.
            'big.passthrough': ('ok', wide),
            'gpu.4x': ('ok', wide),
            'quota.limited': ('warning', all_hosts),
        }, {name: (row['verdict'], row['lands_on'])
            for name, row in by_name.items()})
        self.assertEqual(
            ['openstack flavor set hana.1.5t --property '
             'hw:maxphysaddr_mode=emulate --property hw:maxphysaddr_bits=42'],
            by_name['hana.1.5t']['fix'])
        # Never below QEMU's default of 40, although 64 GiB needs 37.
        self.assertEqual(
            ['openstack flavor set huge.bits50 --property '
             'hw:maxphysaddr_mode=emulate --property hw:maxphysaddr_bits=40'],
            by_name['huge.bits50']['fix'])

    def test_passthrough_without_traits_is_a_warning(self):
        rc, rows, _ = audit(traits=False)
        row = {r['flavor']: r for r in rows}['big.passthrough']
        self.assertEqual('warning', row['verdict'])
        self.assertIn('give their traits (--traits)', row['messages'][0])

    def test_hosts_by_width(self):
        rc, rows, _ = audit('--hosts')
        self.assertEqual(
            [('epyc-48.example.org', 48), ('xeon-46.example.org', 46),
             ('client-39.example.org', 39)],
            [(r['host'], r['physical_address_bits']) for r in rows[:3]])
        self.assertTrue(rows[3]['physical_address_bits'].startswith(
            'unknown (cpu_info has no maxphysaddr'))
        self.assertIn('hana.1.5t.bits42', rows[0]['flavors'])
        self.assertNotIn('hana.1.5t.bits42', rows[2]['flavors'])
        self.assertEqual(['COMPUTE_ADDRESS_SPACE_EMULATED'],
                         rows[2]['address_space_traits'])

    def test_table(self):
        argv = ['audit', '--flavors',
                os.path.join(EXPORTS, 'flavor-list-long.json'),
                '--hypervisor', os.path.join(EXPORTS, HOSTS[0]),
                '-c', 'flavor', '-c', 'verdict', '-f', 'value']
        rc, out, _ = base.run_cli(*argv)
        self.assertEqual(2, rc)
        self.assertIn('hana.1.5t failure', out.splitlines())
