"""LibvirtDriver move checks: live migration, cold migration and resize.

The destination decides, with the resolver and the same host rules as
spawn; a live passthrough guest must also find the source's width.
"""

import json
from unittest import mock

from nova import exception
from nova import objects
from nova.virt import hardware
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import host
from tests.unit.virt.libvirt import test_config
from tests.unit.virt.libvirt import test_driver
from tests.unit.virt.libvirt.test_driver import (
    AARCH64, AMD_48, INTEL_39, INTEL_46, NO_ELEMENT, PASSTHROUGH_LIMIT,
    emulate, flavor, image, passthrough)

objects.register_all()

DENIED = ("Cannot move the instance to host dest: its maxphysaddr request "
          "(%s) ")


def instance(flavor_):
    return objects.Instance(uuid=test_driver.UUID, name='instance-00000001',
                            flavor=flavor_)


class MoveTestCase(test_driver.DriverTestCase):

    def source_record(self, caps=INTEL_46, **kwargs):
        """The source's compute node record, written by its own driver."""
        self.conn.hostname = 'source'
        record = self.driver(caps=caps, **kwargs).get_available_resource()
        self.conn.hostname = 'dest'
        return record

    def dest(self, caps=AMD_48, **kwargs):
        """The destination's driver.  Create it after the source record:
        both drivers share the one fake connection."""
        drv = self.driver(caps=caps, **kwargs)
        self.conn.hostname = 'dest'
        return drv

    def assertDenied(self, call, request, reason):
        with self.assertRaises(exception.MaxPhysAddrMigrationError) as ctx:
            call()
        self.assertEqual(DENIED % request + reason, str(ctx.exception))
        # Nova's conductor tries the next destination on this class.
        self.assertIsInstance(ctx.exception,
                              exception.MigrationPreCheckError)
        self.assertEqual(400, ctx.exception.code)
        self.assertFalse(ctx.exception.reschedulable)


class LiveMigrationTest(MoveTestCase):

    def live(self, flavor_, dest, src_record, image_meta=None):
        return dest.check_can_live_migrate_destination(
            instance(flavor_), image_meta, src_record)

    def test_emulate_to_a_host_with_enough_bits(self):
        src = self.source_record()
        for caps in (AMD_48, INTEL_46):
            with self.subTest(caps=caps):
                self.assertEqual(hardware.MaxPhysAddrRequest('emulate', 42),
                                 self.live(emulate(42), self.dest(caps), src))

    def test_emulate_at_exactly_the_destinations_width(self):
        src = self.source_record(AMD_48)
        self.assertEqual(46, self.live(emulate(46), self.dest(INTEL_46),
                                       src).bits)

    def test_emulate_to_a_host_with_fewer_bits(self):
        src = self.source_record()
        self.assertDenied(
            lambda: self.live(emulate(42), self.dest(INTEL_39), src),
            'mode=emulate, bits=42',
            "cannot be honoured here: bits=42 is more than the host CPU's "
            "39 physical address bits")

    def test_emulate_to_a_host_without_the_capability(self):
        src = self.source_record()
        for kwargs, reason in (
                ({'caps': NO_ELEMENT, 'libversion': 8000000},
                 'it needs libvirt >= 8.7.0 with QEMU >= 2.7.0; this host '
                 'has libvirt 8.0.0 with QEMU 7.2.0'),
                ({'caps': PASSTHROUGH_LIMIT},
                 "the host capabilities do not report the host's physical "
                 "address width, so no width can be checked against it"),
                ({'caps': AARCH64},
                 'the physical address width can only be set on x86_64, and '
                 'this host is aarch64')):
            with self.subTest(**kwargs):
                dest = self.dest(**kwargs)
                self.assertDenied(
                    lambda: self.live(emulate(42), dest, src),
                    'mode=emulate, bits=42',
                    'cannot be honoured here: ' + reason)

    def test_emulate_from_the_image(self):
        src = self.source_record()
        dest = self.dest(INTEL_39)
        self.assertDenied(
            lambda: self.live(flavor(), dest, src, image_meta=image(
                hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits=40)),
            'mode=emulate, bits=40', 'cannot be honoured here: bits=40 is '
            "more than the host CPU's 39 physical address bits")

    def test_passthrough_to_the_same_width(self):
        src = self.source_record(INTEL_46)
        self.assertEqual(hardware.MaxPhysAddrRequest('passthrough'),
                         self.live(passthrough(), self.dest(INTEL_46), src))

    def test_passthrough_width_must_not_change(self):
        src = self.source_record(INTEL_46)
        for caps, dest_bits in ((INTEL_39, 39), (AMD_48, 48)):
            with self.subTest(caps=caps):
                dest = self.dest(caps)
                self.assertDenied(
                    lambda: self.live(passthrough(), dest, src),
                    'mode=passthrough',
                    'would change the 46 physical address bits the running '
                    'guest sees on the source to %d: a passthrough guest '
                    "sees the host CPU's width, which must not change under "
                    'it' % dest_bits)

    def test_passthrough_width_unknown_on_either_side(self):
        src = self.source_record(INTEL_46)
        # No bits in <maxphysaddr>, or no element at all (found by the
        # property tests: this once raised AttributeError).
        for caps in (PASSTHROUGH_LIMIT, NO_ELEMENT):
            with self.subTest(caps=caps):
                dest = self.dest(caps)
                self.assertDenied(
                    lambda: self.live(passthrough(), dest, src),
                    'mode=passthrough',
                    'cannot be kept: this host does not report its physical '
                    'address width, and a passthrough guest must keep the 46 '
                    'bits it sees on the source')
        dest = self.dest(INTEL_46)
        for cpu_info, unknown in (
                (json.dumps({'arch': 'x86_64'}),
                 'cpu_info has no maxphysaddr'),
                ('{"maxphysaddr": ', 'cpu_info is not valid JSON (Expecting '
                                     'value: line 1 column 17 (char 16))'),
                ({'maxphysaddr': {'mode': 'emulate', 'bits': 'abc'}},
                 "cpu_info maxphysaddr bits is 'abc': must be a decimal "
                 "integer from 1 to 64"),
                (None, 'cpu_info is not reported')):
            with self.subTest(cpu_info=cpu_info):
                self.assertDenied(
                    lambda: self.live(passthrough(), dest,
                                      {'hypervisor_hostname': 'source',
                                       'cpu_info': cpu_info}),
                    'mode=passthrough',
                    "cannot be kept: the source host's physical address "
                    "width is unknown (%s), and a passthrough guest must "
                    "keep the width it sees" % unknown)

    def test_passthrough_to_a_host_without_the_capability(self):
        src = self.source_record(INTEL_46)
        dest = self.dest(INTEL_46, libversion=8007000)
        self.assertDenied(
            lambda: self.live(passthrough(), dest, src), 'mode=passthrough',
            'cannot be honoured here: libvirt 8.7.0 accepts mode=passthrough '
            'only with [libvirt]cpu_mode=host-passthrough (it is host-model);'
            ' libvirt >= 9.0.0 accepts any CPU mode')

    def test_without_a_request_any_host(self):
        src = self.source_record(NO_ELEMENT, libversion=8000000)
        for caps in (AARCH64, NO_ELEMENT, INTEL_39):
            with self.subTest(caps=caps):
                self.assertIsNone(self.live(flavor(), self.dest(caps), src))

    def test_non_x86_guest_is_refused_by_the_resolver(self):
        src = self.source_record()
        dest = self.dest()
        with self.assertRaises(exception.InvalidMaxPhysAddrRequest) as ctx:
            self.live(emulate(42), dest, src,
                      image_meta=image(hw_architecture='aarch64'))
        self.assertIn('which only x86_64 guests have, but the image sets '
                      'hw_architecture=aarch64', str(ctx.exception))

    def test_the_resolver_decides(self):
        dest = self.dest(INTEL_39)
        request = hardware.MaxPhysAddrRequest('emulate', 40)
        flavor_, image_meta = flavor(), image()
        with mock.patch.object(hardware, 'get_maxphysaddr_request',
                               return_value=request) as resolver:
            self.assertRaises(exception.MaxPhysAddrMigrationError,
                              dest.check_can_live_migrate_destination,
                              instance(flavor_), image_meta, {})
        resolver.assert_called_once_with(flavor_, image_meta)


class ResizeTest(MoveTestCase):
    """Resize and cold migration: the guest restarts with the (new)
    flavor, so only what spawn checks applies."""

    def resize(self, old, new, dest, image_meta=None):
        return dest.check_can_migrate_destination(instance(old), image_meta,
                                                  new)

    def test_to_more_bits_than_the_destination_has(self):
        dest = self.dest(INTEL_46)
        self.assertDenied(
            lambda: self.resize(emulate(42), emulate(47), dest),
            'mode=emulate, bits=47', "cannot be honoured here: bits=47 is "
            "more than the host CPU's 46 physical address bits")

    def test_accepted_then_started_with_the_new_width(self):
        dest = self.dest(AMD_48)
        new = emulate(47)
        self.assertEqual(hardware.MaxPhysAddrRequest('emulate', 47),
                         self.resize(emulate(42), new, dest))
        dest.spawn(instance(new), None, new)
        self.assertEqual({'mode': 'emulate', 'bits': '47'},
                         test_driver.maxphysaddr_of(self.conn.defined[-1]))

    def test_new_flavor_asks_for_the_feature(self):
        dest = self.dest(NO_ELEMENT, libversion=8000000)
        self.assertIsNone(self.resize(emulate(42), flavor(), dest))
        self.assertDenied(
            lambda: self.resize(flavor(), emulate(42), dest),
            'mode=emulate, bits=42', 'cannot be honoured here: it needs '
            'libvirt >= 8.7.0 with QEMU >= 2.7.0; this host has libvirt '
            '8.0.0 with QEMU 7.2.0')

    def test_passthrough_may_change_width_on_a_restart(self):
        # Unlike a live migration: the guest boots again on the new host.
        self.assertEqual(
            hardware.MaxPhysAddrRequest('passthrough'),
            self.resize(passthrough(), passthrough(), self.dest(INTEL_39)))

    def test_cold_migration_keeps_the_instances_flavor(self):
        dest = self.dest(INTEL_39)
        self.assertDenied(
            lambda: dest.check_can_migrate_destination(
                instance(emulate(42)), None),
            'mode=emulate, bits=42', "cannot be honoured here: bits=42 is "
            "more than the host CPU's 39 physical address bits")

    def test_new_flavor_goes_through_the_resolver(self):
        dest = self.dest()
        for new, image_meta, error, message in (
                (emulate(46), image(hw_maxphysaddr_bits=42),
                 exception.FlavorImageConflict,
                 'Conflicting maxphysaddr bits request: the flavor sets '
                 'hw:maxphysaddr_bits=46 but the image sets '
                 'hw_maxphysaddr_bits=42. Set it in one of them, or set the '
                 'same value in both.'),
                (emulate(40, memory_mb=1536 * 1024), None,
                 exception.MaxPhysAddrBitsTooSmall,
                 'hw:maxphysaddr_bits=40 is too small for this flavor: a '
                 'guest with 1572864 MiB of RAM needs at least 42 physical '
                 'address bits (2**40 bytes cannot hold its RAM, PCI holes '
                 'and 64-bit PCI window). Set hw:maxphysaddr_bits to at '
                 'least 42.'),
                (flavor(**{'hw:maxphysaddr_mode': 'passthrough',
                           'hw:maxphysaddr_bits': '46'}), None,
                 exception.InvalidMaxPhysAddrRequest,
                 "Invalid maxphysaddr request: hw:maxphysaddr_mode="
                 "passthrough uses the host CPU's width and takes no bits, "
                 "but hw:maxphysaddr_bits=46 is set; remove it, or use "
                 "emulate")):
            with self.subTest(error=error):
                with self.assertRaises(error) as ctx:
                    self.resize(emulate(42), new, dest, image_meta)
                self.assertEqual(message, str(ctx.exception))

    def test_resolver_gets_the_new_flavor(self):
        dest = self.dest()
        old, new, image_meta = emulate(42), emulate(44), image()
        with mock.patch.object(hardware, 'get_maxphysaddr_request',
                               return_value=None) as resolver:
            self.assertIsNone(self.resize(old, new, dest, image_meta))
        resolver.assert_called_once_with(new, image_meta)


class SourceRecordTest(MoveTestCase):

    def test_record_written_by_the_driver_is_read_back(self):
        # The width the destination compares is the one the source's own
        # driver published (a JSON string, as the compute node stores it).
        record = self.source_record(INTEL_39)
        self.assertIsInstance(record['cpu_info'], str)
        self.conn.capabilities = test_config.fixture(INTEL_39)
        dest = libvirt_driver.LibvirtDriver(host.Host())
        self.assertEqual(
            hardware.MaxPhysAddrRequest('passthrough'),
            dest.check_can_live_migrate_destination(
                instance(passthrough()), None, record))
