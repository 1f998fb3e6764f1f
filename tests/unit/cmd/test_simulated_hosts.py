"""The main job's simulated hosts report through the real driver code."""

import json
import unittest

import nova.conf
from nova.cmd import simulated_hosts
from nova.virt.libvirt import driver as libvirt_driver

CONF = nova.conf.CONF


def report(name):
    desc = {d.name: d for d in simulated_hosts.SIMULATED_HOSTS}[name]
    drv = libvirt_driver.LibvirtDriver(simulated_hosts.SimulatedHost(desc))
    record = drv.get_available_resource()
    traits = {t for t, on in drv.capabilities_as_traits().items() if on}
    return json.loads(record['cpu_info']).get('maxphysaddr'), traits


class SimulatedHostsTest(unittest.TestCase):

    def setUp(self):
        CONF.set_override('virt_type', 'qemu', group='libvirt')
        self.addCleanup(CONF.clear_override, 'virt_type', group='libvirt')

    def test_x86_hosts_report_their_width_and_traits(self):
        emulated = {'COMPUTE_ADDRESS_SPACE_EMULATED'}
        both = emulated | {'COMPUTE_ADDRESS_SPACE_PASSTHROUGH'}
        for name, bits in (('intel-39', 39), ('intel-46', 46),
                           ('amd-48', 48), ('amd-52', 52)):
            with self.subTest(name=name):
                # The demo runs TCG, where passthrough cannot work.
                self.assertEqual(({'mode': 'emulate', 'bits': bits},
                                  emulated), report(name))
                CONF.set_override('virt_type', 'kvm', group='libvirt')
                self.assertEqual(({'mode': 'emulate', 'bits': bits}, both),
                                 report(name))
                CONF.set_override('virt_type', 'qemu', group='libvirt')

    def test_aarch64_and_old_libvirt_report_nothing(self):
        self.assertEqual((None, set()), report('arm-altra'))
        self.assertEqual((None, set()), report('old-libvirt'))

    def test_simulated_hosts_cannot_run_guests(self):
        desc = simulated_hosts.SIMULATED_HOSTS[0]
        conn = simulated_hosts.SimulatedHost(desc).get_connection()
        with self.assertRaisesRegex(Exception, 'is simulated'):
            conn.defineXML('<domain/>')
