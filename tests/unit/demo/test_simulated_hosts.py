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

"""The main job's simulated hosts report through the real driver code."""

import json

from nova.demo import simulated_hosts
from nova.virt.libvirt import driver as libvirt_driver

from tests import base


def report(name):
    desc = {d.name: d for d in simulated_hosts.SIMULATED_HOSTS}[name]
    drv = libvirt_driver.LibvirtDriver(simulated_hosts.SimulatedHost(desc))
    record = drv.get_available_resource()
    traits = {t for t, on in drv.capabilities_as_traits().items() if on}
    return json.loads(record['cpu_info']).get('maxphysaddr'), traits


class SimulatedHostsTest(base.ConfTestCase):

    def setUp(self):
        super().setUp()
        self.flags(virt_type='qemu')

    def test_x86_hosts_report_their_width_and_traits(self):
        emulated = {'COMPUTE_ADDRESS_SPACE_EMULATED'}
        both = emulated | {'COMPUTE_ADDRESS_SPACE_PASSTHROUGH'}
        for name, bits in (('intel-39', 39), ('intel-46', 46),
                           ('amd-48', 48), ('amd-52', 52)):
            with self.subTest(name=name):
                # The demo runs TCG, where passthrough cannot work.
                self.assertEqual(({'mode': 'emulate', 'bits': bits},
                                  emulated), report(name))
                self.flags(virt_type='kvm')
                self.assertEqual(({'mode': 'emulate', 'bits': bits}, both),
                                 report(name))
                self.flags(virt_type='qemu')

    def test_aarch64_and_old_libvirt_report_nothing(self):
        self.assertEqual((None, set()), report('arm-altra'))
        self.assertEqual((None, set()), report('old-libvirt'))

    def test_simulated_hosts_cannot_run_guests(self):
        desc = simulated_hosts.SIMULATED_HOSTS[0]
        conn = simulated_hosts.SimulatedHost(desc).get_connection()
        with self.assertRaisesRegex(Exception, 'is simulated'):
            conn.defineXML('<domain/>')
