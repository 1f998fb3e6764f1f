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

"""The test case classes the functional tests share.

* :class:`ComputeNodesTestCase`: compute nodes (our driver on a fake libvirt
  serving real capability documents) in a real Placement, with their
  records and host states; :meth:`~ComputeNodesTestCase.schedule` runs a
  request the scheduler's way;
* :class:`TestDriverTestCase`: libvirt's real built-in test driver, and
  :class:`QEMUFactsHost`, the same connection with a QEMU host's facts.
"""

import types
import unittest

import libvirt

from nova.demo import placement
from nova.scheduler import filter_handler
from nova.scheduler import host_manager
from nova.scheduler import utils
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import host

from tests import base
from tests import fakelibvirt
from tests import fakes

TEST_URI = 'test:///default'
TiB_MB = 1024 * 1024
LIBVIRT_9_0, LIBVIRT_8_7, LIBVIRT_8_0 = 9000000, 8007000, 8000000
QEMU_7_2, QEMU_6_2 = 7002000, 6002000

# name -> (capabilities fixture, libvirt version, QEMU version)
COMPUTE_NODES = {
    'amd-48': ('host-capabilities-amd-x86_64-48bit-libvirt-9.0.xml',
               LIBVIRT_9_0, QEMU_7_2),
    'intel-46': ('host-capabilities-intel-x86_64-46bit-libvirt-9.0.xml',
                 LIBVIRT_9_0, QEMU_7_2),
    # libvirt 8.7 takes passthrough only with cpu_mode=host-passthrough.
    'intel-46-libvirt-8.7': (
        'host-capabilities-intel-x86_64-46bit-libvirt-9.0.xml',
        LIBVIRT_8_7, QEMU_7_2),
    'intel-39': ('host-capabilities-intel-x86_64-39bit-libvirt-9.0.xml',
                 LIBVIRT_9_0, QEMU_7_2),
    'old-libvirt': (
        'host-capabilities-intel-x86_64-no-maxphysaddr-libvirt-8.0.xml',
        LIBVIRT_8_0, QEMU_6_2),
    'aarch64': ('host-capabilities-aarch64-libvirt-9.0.xml', LIBVIRT_9_0,
                QEMU_7_2),
    'junk-bits': ('host-capabilities-x86_64-maxphysaddr-junk-bits.xml',
                  LIBVIRT_9_0, QEMU_7_2),
}
ALL = set(COMPUTE_NODES)


class ComputeNodesTestCase(unittest.TestCase):
    """The COMPUTE_NODES in real Placement, their drivers, records and host
    states; :meth:`schedule` runs a request the scheduler's way.  Shared
    with the move and mixed-version tests."""

    @classmethod
    def setUpClass(cls):
        cls.placement = placement.PlacementClient()
        cls.placement.start(cls.addClassCleanup)
        # use_fake_libvirt() registers its undo with the "test" it is given.
        holder = types.SimpleNamespace(addCleanup=cls.addClassCleanup)
        cls.drivers = {}
        cls.records = {}
        cls.host_states = {}
        cls.traits = {}
        for name, (fixture, libversion, qemu) in COMPUTE_NODES.items():
            fakelibvirt.use_fake_libvirt(
                holder, capabilities=fakes.fixture(fixture),
                libversion=libversion, hv_version=qemu, hostname=name,
                memory_mb=4 * TiB_MB)
            driver = cls.drivers[name] = libvirt_driver.LibvirtDriver()
            record = cls.records[name] = driver.get_available_resource()
            cls.traits[name] = {trait for trait, present in
                                driver.capabilities_as_traits().items()
                                if present}
            cls.placement.create_compute_node(
                name, {'VCPU': record['vcpus'],
                       'MEMORY_MB': record['memory_mb']}, cls.traits[name])
            state = host_manager.HostState(name, name)
            state.update(record)
            cls.host_states[name] = state

    def schedule(self, spec):
        """(chosen host names, {rejected host: (filter, reason)})."""
        query = utils.ResourceRequest.from_request_spec(spec).to_querystring()
        candidates = self.placement.candidates(query)
        passed, rejections = filter_handler.get_filtered_hosts(
            [self.host_states[n] for n in sorted(candidates)], spec,
            filter_handler.get_filters())
        return ({h.host for h in passed},
                {r.host_state.host: (r.filter_name, r.reason)
                 for r in rejections})


class QEMUFactsHost(host.Host):
    """The real test driver connection, with a QEMU host's facts: libvirt's
    test driver reports hypervisor TEST and an i686 CPU, so nothing would
    get past the driver's checks otherwise."""

    def __init__(self, capabilities_fixture):
        super().__init__(TEST_URI)
        self._fixture = capabilities_fixture

    def get_version(self):
        return 7002000

    def get_hypervisor_type(self):
        return 'QEMU'

    def get_capabilities(self):
        caps = vconfig.LibvirtConfigCaps()
        caps.parse_str(fakes.fixture(self._fixture))
        return caps


class TestDriverTestCase(base.ConfTestCase):
    """libvirt's real test driver (``self.conn``), in this process."""

    def setUp(self):
        super().setUp()
        self.host = host.Host(TEST_URI)
        self.addCleanup(self.host.close)
        self.conn = self.host.get_connection()

    def undefine_later(self, inst):
        def cleanup():
            try:
                domain = self.conn.lookupByUUIDString(inst.uuid)
            except libvirt.libvirtError:
                return
            if domain.isActive():
                domain.destroy()
            domain.undefine()
        self.addCleanup(cleanup)
