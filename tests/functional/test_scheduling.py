"""The scheduling path on what the libvirt driver really reports.

Each compute node is our LibvirtDriver on a (fake) libvirt connection that
serves a real host capabilities document from tests/fixtures.  Its traits
become a Placement resource provider, its ``get_available_resource()``
record (``cpu_info`` as a JSON string) a HostState.  A boot request then
goes the scheduler's way: ``ResourceRequest`` query to real Placement, and
the candidates through both filters.  What the driver writes is exactly
what the scheduler reads.
"""

import os
import types
import unittest

from nova.scheduler import filter_handler
from nova.scheduler import host_manager
from nova.scheduler import utils
from nova.virt.libvirt import driver as libvirt_driver

from tests.functional import placement_client
from tests.unit.scheduler import fakes
from tests.unit.virt.libvirt import fakelibvirt

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)),
                        'fixtures')
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


def large_guest(**extra_specs):
    """A 1.5 TiB, volume-backed (no DISK_GB) guest."""
    return fakes.spec(extra_specs, memory_mb=1536 * 1024, root_gb=0)


class ComputeNodesTestCase(unittest.TestCase):
    """The COMPUTE_NODES in real Placement, their drivers, records and host
    states; :meth:`schedule` runs a request the scheduler's way.  Shared
    with the move and mixed-version tests."""

    @classmethod
    def setUpClass(cls):
        cls.placement = placement_client.PlacementClient()
        cls.placement.start(cls.addClassCleanup)
        # use_fake_libvirt() registers its undo with the "test" it is given.
        holder = types.SimpleNamespace(addCleanup=cls.addClassCleanup)
        cls.drivers = {}
        cls.records = {}
        cls.host_states = {}
        cls.traits = {}
        for name, (fixture, libversion, qemu) in COMPUTE_NODES.items():
            with open(os.path.join(FIXTURES, fixture)) as f:
                fakelibvirt.use_fake_libvirt(
                    holder, capabilities=f.read(), libversion=libversion,
                    hv_version=qemu, hostname=name, memory_mb=4 * TiB_MB)
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


class SchedulingTest(ComputeNodesTestCase):

    def test_driver_reports(self):
        self.assertEqual({
            'amd-48': {'COMPUTE_ADDRESS_SPACE_EMULATED',
                       'COMPUTE_ADDRESS_SPACE_PASSTHROUGH'},
            'intel-46': {'COMPUTE_ADDRESS_SPACE_EMULATED',
                         'COMPUTE_ADDRESS_SPACE_PASSTHROUGH'},
            'intel-46-libvirt-8.7': {'COMPUTE_ADDRESS_SPACE_EMULATED'},
            'intel-39': {'COMPUTE_ADDRESS_SPACE_EMULATED',
                         'COMPUTE_ADDRESS_SPACE_PASSTHROUGH'},
            'old-libvirt': set(),
            'aarch64': set(),
            'junk-bits': {'COMPUTE_ADDRESS_SPACE_PASSTHROUGH'},
        }, self.traits)
        self.assertEqual(
            {'amd-48': 48, 'intel-46': 46, 'intel-46-libvirt-8.7': 46,
             'intel-39': 39, 'old-libvirt': None, 'aarch64': None,
             'junk-bits': None},
            {n: s.maxphysaddr_bits for n, s in self.host_states.items()})

    def test_without_the_feature_every_host(self):
        self.assertEqual((ALL, {}), self.schedule(large_guest()))

    def test_emulate_42(self):
        chosen, rejected = self.schedule(large_guest(**{
            'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': '42'}))
        # Placement: the hosts with the EMULATED trait; the filter: width.
        self.assertEqual({'amd-48', 'intel-46', 'intel-46-libvirt-8.7'},
                         chosen)
        self.assertEqual({'intel-39': (
            'ComputeCapabilitiesFilter',
            'host has 39 physical address bits; the guest (mode=emulate, '
            'bits=42) needs at least 42 bits')}, rejected)

    def test_emulate_47_from_the_image(self):
        spec = large_guest()
        spec.image = fakes.spec(image_props={
            'hw_maxphysaddr_mode': 'emulate',
            'hw_maxphysaddr_bits': 47}).image
        chosen, rejected = self.schedule(spec)
        self.assertEqual({'amd-48'}, chosen)
        self.assertEqual({'intel-46', 'intel-46-libvirt-8.7', 'intel-39'},
                         set(rejected))

    def test_passthrough(self):
        chosen, rejected = self.schedule(large_guest(**{
            'hw:maxphysaddr_mode': 'passthrough'}))
        # The guest gets the host's width: 39 bits cannot hold 1.5 TiB.
        # A host whose width is unknown is left to the trait and the driver.
        self.assertEqual({'amd-48', 'intel-46', 'junk-bits'}, chosen)
        self.assertEqual({'intel-39': (
            'ComputeCapabilitiesFilter',
            'host has 39 physical address bits; the guest (mode=passthrough) '
            'would get them, too few for its 1572864 MiB of RAM (it needs at '
            'least 42)')}, rejected)

    def test_image_architecture(self):
        spec = large_guest()
        spec.image = fakes.spec(image_props={
            'hw_architecture': 'aarch64'}).image
        chosen, rejected = self.schedule(spec)
        self.assertEqual({'aarch64'}, chosen)
        self.assertEqual({'ImagePropertiesFilter'},
                         {f for f, _ in rejected.values()})
