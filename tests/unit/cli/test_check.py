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

"""``nova-maxphysaddr check``: Nova's verdict on real flavors, and the
nova-status exit codes."""

import json
import os
import unittest

from tests import base
from tests import fakes

EXPORTS = os.path.join(fakes.FIXTURES, 'openstack')
EMULATE_42 = ['--property', 'hw:maxphysaddr_mode=emulate',
              '--property', 'hw:maxphysaddr_bits=42']


def export(name):
    return os.path.join(EXPORTS, name)


def check(*argv):
    rc, out, err = base.run_cli('check', '-f', 'json', *argv)
    return rc, (json.loads(out) if out.strip() else None), err


class VerdictTest(unittest.TestCase):

    def test_too_few_bits_fail_and_name_the_minimum(self):
        rc, doc, _ = check('--ram', '1536G',
                           '--property', 'hw:maxphysaddr_mode=emulate',
                           '--property', 'hw:maxphysaddr_bits=40')
        self.assertEqual(2, rc)
        self.assertEqual('MaxPhysAddrBitsTooSmall', doc['error']['type'])
        self.assertEqual(400, doc['error']['http_status'])
        self.assertIn('Set hw:maxphysaddr_bits to at least 42.',
                      doc['error']['message'])
        self.assertEqual(['openstack flavor set large --property '
                          'hw:maxphysaddr_mode=emulate --property '
                          'hw:maxphysaddr_bits=42'], doc['fix'])

    def test_42_bits_for_1_5_tib_is_ok(self):
        rc, doc, _ = check('--ram', '1.5T', *EMULATE_42)
        self.assertEqual(0, rc)
        self.assertEqual(('ok', {'mode': 'emulate', 'bits': 42}, []),
                         (doc['verdict'], doc['maxphysaddr'],
                          doc['messages']))

    def test_a_guest_that_will_not_boot_is_a_failure(self):
        # Exit 0 here used to hide that QEMU refuses this guest.
        rc, doc, _ = check('--ram', '1536G')
        self.assertEqual(2, rc)
        self.assertIn('will not boot: no hw:maxphysaddr_* is set',
                      doc['messages'][0])
        self.assertEqual(42, doc['min_bits'])
        rc, doc, _ = check('--ram', '6000T')
        self.assertEqual(2, rc)
        self.assertIn('more than QEMU allows (52)', doc['messages'][0])
        self.assertEqual([], doc['fix'])

    def test_passthrough_without_hosts_is_a_warning(self):
        # It said ok (exit 0), though whether it boots is the hosts' call.
        rc, doc, _ = check('--ram', '1.5T',
                           '--property', 'hw:maxphysaddr_mode=passthrough')
        self.assertEqual((1, 'warning'), (rc, doc['verdict']))
        self.assertEqual(
            ["WARNING: passthrough gives the guest its host's width: it "
             'boots only on hosts with COMPUTE_ADDRESS_SPACE_PASSTHROUGH and '
             'at least 42 physical address bits; give the hosts '
             '(--hypervisor) to check'], doc['messages'])

    def test_default_width_suffices(self):
        rc, doc, _ = check('--ram', '64G')
        self.assertEqual((0, 'ok'), (rc, doc['verdict']))

    def test_text_output(self):
        rc, out, _ = base.run_cli('check', '--ram', '1536G', '-f', 'value',
                                  '-c', 'verdict', '-c', 'fix')
        self.assertEqual(2, rc)
        self.assertEqual(['failure', 'openstack flavor set large --property '
                          'hw:maxphysaddr_mode=emulate --property '
                          'hw:maxphysaddr_bits=42'], out.split('\n')[:2])


class RealFlavorTest(unittest.TestCase):
    """Exports of real flavors validate as Nova 34 validates them."""

    def test_hugepages_numa_and_pinning_keys_are_nova_keys(self):
        # `openstack flavor show` of a 1.5 TiB SAP flavor: hugepages, two
        # NUMA nodes, pinning, realtime ('yes'), an RNG ('True').  These used
        # to be "unknown key in the 'hw' namespace ... HTTP 400".
        rc, doc, _ = check('--flavor', export('flavor-show-hana.json'),
                           *EMULATE_42)
        self.assertEqual(0, rc, doc)
        self.assertEqual('hana.1.5t', doc['flavor'])
        self.assertEqual(1572864, doc['memory_mb'])
        self.assertEqual([], doc['not_checked'])

    def test_without_the_keys_the_same_flavor_will_not_boot(self):
        rc, doc, _ = check('--flavor', export('flavor-show-hana.json'))
        self.assertEqual(2, rc)
        self.assertIn('openstack flavor set hana.1.5t', doc['fix'][0])

    def test_old_client_properties_string(self):
        rc, doc, _ = check('--flavor', export('flavor-show-old-client.json'))
        self.assertEqual(0, rc, doc)
        self.assertEqual({'mode': 'emulate', 'bits': 42}, doc['maxphysaddr'])

    def test_from_stdin(self):
        with open(export('flavor-show-old-client.json')) as f:
            rc, out, _ = base.run_cli('check', '--flavor', '-', '-f', 'json',
                                      stdin=f.read())
        self.assertEqual(0, rc)
        self.assertEqual('ok', json.loads(out)['verdict'])

    def test_nova_keys_this_tool_does_not_check_are_a_warning(self):
        rc, doc, _ = check('--ram', '4G', '--property',
                           'quota:disk_read_bytes_sec=10240000')
        self.assertEqual(1, rc)
        self.assertEqual(['quota:disk_read_bytes_sec'], doc['not_checked'])
        self.assertEqual('warning', doc['verdict'])

    def test_a_bad_nova_key_is_refused_as_nova_would(self):
        rc, doc, _ = check('--ram', '4G', '--property', 'hw:numa_nodes=0')
        self.assertEqual(2, rc)
        self.assertEqual('ValidationError', doc['error']['type'])
        self.assertIn('hw:numa_nodes', doc['error']['message'])
        rc, doc, _ = check('--ram', '4G', '--property',
                           'hw:maxphysaddr_bit=42')
        self.assertIn("unknown key in the 'hw' namespace",
                      doc['error']['message'])

    def test_image_machine_type(self):
        # q35 needs 36 bits for 1 GiB, pc 33 (QEMU 10.0.2's verdict).
        rc, doc, _ = check('--ram', '1G', '--image',
                           export('image-show-q35.json'))
        self.assertEqual(('q35', 36), (doc['machine_type'], doc['min_bits']))
        rc, doc, _ = check('--ram', '1G')
        self.assertEqual(('pc', 33), (doc['machine_type'], doc['min_bits']))
        rc, doc, _ = check('--ram', '1G', '--image',
                           export('image-show-q35.json'),
                           '--property', 'hw:maxphysaddr_mode=emulate',
                           '--property', 'hw:maxphysaddr_bits=35')
        self.assertEqual(('MaxPhysAddrBitsTooSmall', 2),
                         (doc['error']['type'], rc))

    def test_forbidding_its_own_trait_is_refused_as_boot_refuses_it(self):
        rc, doc, _ = check('--ram', '2G', *EMULATE_42, '--property',
                           'trait:COMPUTE_ADDRESS_SPACE_EMULATED=forbidden')
        self.assertEqual(2, rc)
        self.assertIn('needs a host with trait COMPUTE_ADDRESS_SPACE_'
                      'EMULATED, but the flavor forbids it',
                      doc['error']['message'])


class HostsTest(unittest.TestCase):

    def test_where_it_lands(self):
        rc, doc, _ = check(
            '--ram', '1.5T', *EMULATE_42,
            '--hypervisor', export('hypervisor-show-epyc-48.json'),
            '--hypervisor', export('hypervisor-show-client-39.json'))
        self.assertEqual(0, rc)
        self.assertEqual(['epyc-48.example.org'], doc['lands_on'])

    def test_no_host_wide_enough_is_a_failure(self):
        rc, doc, _ = check(
            '--ram', '1.5T', '--property', 'hw:maxphysaddr_mode=emulate',
            '--property', 'hw:maxphysaddr_bits=47',
            '--hypervisor', export('hypervisor-show-xeon-46.json'))
        self.assertEqual(2, rc)
        self.assertIn('the widest host has 46 physical address bits, the '
                      'guest asks for 47', doc['messages'][0])
        self.assertIn('hw:maxphysaddr_bits=42', doc['fix'][0])

    def test_hypervisor_show_from_2_88_says_how_to_export(self):
        rc, out, err = base.run_cli(
            'check', '--ram', '4G',
            '--hypervisor', export('hypervisor-show-2.88.json'))
        self.assertEqual(255, rc)
        self.assertIn('--os-compute-api-version 2.87 hypervisor show', err)


class ArgumentsTest(unittest.TestCase):

    def assertUsageError(self, *argv, says=None):
        rc, out, err = base.run_cli('check', *argv)
        self.assertEqual(2, rc)
        self.assertIn('error: argument', err)
        if says:
            self.assertIn(says, err)

    def test_sizes(self):
        self.assertUsageError('--ram', 'lots')
        self.assertUsageError('--ram', '0.5M')
        self.assertUsageError('--ram', '1.5TB',
                              says="what Nova calls GB is GiB")
        self.assertUsageError('--ram', '64GB', says='write 64G or 64GiB')

    def test_counts(self):
        self.assertUsageError('--ram', '1G', '--vcpus', '0')
        self.assertUsageError('--ram', '1G', '--vcpus', '-1')
        self.assertUsageError('--ram', '1G', '--disk', '-1')
        self.assertUsageError('--ram', '2G', '--property', 'novalue')

    def test_a_flavor_is_needed(self):
        rc, _, err = base.run_cli('check')
        self.assertEqual(2, rc)
        self.assertIn('one of the arguments --flavor --ram is required', err)

    def test_unreadable_file(self):
        rc, _, err = base.run_cli('check', '--flavor', '/nonexistent.json')
        self.assertEqual(255, rc)
        self.assertIn('cannot read /nonexistent.json', err)
