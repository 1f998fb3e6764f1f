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

"""LibvirtDriver move checks: live migration, cold migration and resize.

The destination decides, with the resolver and the same host rules as
spawn; a live passthrough guest must also find the source's width.
"""

import json
from unittest import mock

from nova import exception
from nova.virt import hardware
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import host

from tests import base
from tests import fakes

DENIED = ("Cannot move the instance to host dest: its maxphysaddr request "
          "(%s) ")


class MoveTestCase(base.DriverTestCase):

    def source_record(self, caps=fakes.INTEL_46, **kwargs):
        """The source's compute node record, written by its own driver."""
        self.conn.hostname = 'source'
        record = self.driver(caps=caps, **kwargs).get_available_resource()
        self.conn.hostname = 'dest'
        return record

    def dest(self, caps=fakes.AMD_48, **kwargs):
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
            fakes.instance(flavor_=flavor_), image_meta, src_record)

    def test_emulate_to_a_host_with_enough_bits(self):
        src = self.source_record()
        for caps in (fakes.AMD_48, fakes.INTEL_46):
            with self.subTest(caps=caps):
                self.assertEqual(hardware.MaxPhysAddrRequest('emulate', 42),
                                 self.live(fakes.emulate(42),
                                           self.dest(caps), src))

    def test_emulate_at_exactly_the_destinations_width(self):
        src = self.source_record(fakes.AMD_48)
        self.assertEqual(46, self.live(fakes.emulate(46),
                                       self.dest(fakes.INTEL_46), src).bits)

    def test_emulate_to_a_host_with_fewer_bits(self):
        src = self.source_record()
        self.assertDenied(
            lambda: self.live(fakes.emulate(42), self.dest(fakes.INTEL_39),
                              src),
            'mode=emulate, bits=42',
            'cannot be honoured here: host has 39 physical address bits; '
            'the guest (mode=emulate, bits=42) needs at least 42 bits')

    def test_emulate_to_a_host_without_the_capability(self):
        src = self.source_record()
        for kwargs, reason in (
                ({'caps': fakes.NO_ELEMENT, 'libversion': 8000000},
                 'it needs libvirt >= 8.7.0 with QEMU >= 2.7.0; this host '
                 'has libvirt 8.0.0 with QEMU 7.2.0'),
                ({'caps': fakes.PASSTHROUGH_LIMIT},
                 "the host capabilities do not report the host's physical "
                 "address width, so no width can be checked against it"),
                ({'caps': fakes.AARCH64},
                 'the physical address width can only be set on x86_64, and '
                 'this host is aarch64')):
            with self.subTest(**kwargs):
                dest = self.dest(**kwargs)
                self.assertDenied(
                    lambda: self.live(fakes.emulate(42), dest, src),
                    'mode=emulate, bits=42',
                    'cannot be honoured here: ' + reason)

    def test_emulate_to_a_kvm_host_whose_cpu_takes_the_hosts_width(self):
        # Under KVM, host-passthrough and maximum give the guest the host's
        # width whatever phys-bits says: the running guest would see 48
        # bits instead of its 42.
        src = self.source_record()
        for cpu_mode in ('host-passthrough', 'maximum'):
            with self.subTest(cpu_mode=cpu_mode):
                dest = self.dest(cpu_mode=cpu_mode)
                self.assertDenied(
                    lambda: self.live(fakes.emulate(42), dest, src),
                    'mode=emulate, bits=42',
                    "cannot be honoured here: with [libvirt]cpu_mode=%s "
                    "under KVM, QEMU's CPU model takes the host's 48 "
                    "physical address bits (host-phys-bits=on) whatever "
                    "phys-bits says, and libvirt 9.0.0 with QEMU 7.2.0 does "
                    "not turn that off: the guest would not get the width it "
                    "asks for; use cpu_mode custom, host-model or none"
                    % cpu_mode)
                # A passthrough guest of the same width may go there.
                self.assertEqual(
                    hardware.MaxPhysAddrRequest('passthrough'),
                    self.live(fakes.passthrough(), self.dest(
                        fakes.AMD_48, cpu_mode=cpu_mode),
                        self.source_record(fakes.AMD_48)))
        # Under TCG, maximum honours emulate.
        dest = self.dest(virt_type='qemu', cpu_mode='maximum')
        self.assertEqual(hardware.MaxPhysAddrRequest('emulate', 42),
                         self.live(fakes.emulate(42), dest, src))

    def test_emulate_from_the_image(self):
        src = self.source_record()
        dest = self.dest(fakes.INTEL_39)
        self.assertDenied(
            lambda: self.live(fakes.flavor(), dest, src,
                              image_meta=fakes.image(
                                  hw_maxphysaddr_mode='emulate',
                                  hw_maxphysaddr_bits=40)),
            'mode=emulate, bits=40', 'cannot be honoured here: host has 39 '
            'physical address bits; the guest (mode=emulate, bits=40) needs '
            'at least 40 bits')

    def test_passthrough_to_the_same_width(self):
        src = self.source_record(fakes.INTEL_46)
        self.assertEqual(hardware.MaxPhysAddrRequest('passthrough'),
                         self.live(fakes.passthrough(),
                                   self.dest(fakes.INTEL_46), src))

    def test_passthrough_width_must_not_change(self):
        src = self.source_record(fakes.INTEL_46)
        for caps, dest_bits in ((fakes.INTEL_39, 39), (fakes.AMD_48, 48)):
            with self.subTest(caps=caps):
                dest = self.dest(caps)
                self.assertDenied(
                    lambda: self.live(fakes.passthrough(), dest, src),
                    'mode=passthrough',
                    'would change the 46 physical address bits the running '
                    'guest sees on the source to %d: a passthrough guest '
                    "sees the host CPU's width, which must not change under "
                    'it' % dest_bits)

    def test_passthrough_width_unknown_on_either_side(self):
        src = self.source_record(fakes.INTEL_46)
        # No bits in <maxphysaddr>, or no element at all (found by the
        # property tests: this once raised AttributeError).
        for caps in (fakes.PASSTHROUGH_LIMIT, fakes.NO_ELEMENT):
            with self.subTest(caps=caps):
                dest = self.dest(caps)
                self.assertDenied(
                    lambda: self.live(fakes.passthrough(), dest, src),
                    'mode=passthrough',
                    'cannot be kept: this host does not report its physical '
                    'address width, and a passthrough guest must keep the 46 '
                    'bits it sees on the source')
        dest = self.dest(fakes.INTEL_46)
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
                    lambda: self.live(fakes.passthrough(), dest,
                                      {'hypervisor_hostname': 'source',
                                       'cpu_info': cpu_info}),
                    'mode=passthrough',
                    "cannot be kept: the source host's physical address "
                    "width is unknown (%s), and a passthrough guest must "
                    "keep the width it sees" % unknown)

    def test_passthrough_to_a_host_without_the_capability(self):
        src = self.source_record(fakes.INTEL_46)
        dest = self.dest(fakes.INTEL_46, libversion=8007000)
        self.assertDenied(
            lambda: self.live(fakes.passthrough(), dest, src),
            'mode=passthrough',
            'cannot be honoured here: libvirt 8.7.0 accepts mode=passthrough '
            'only with [libvirt]cpu_mode=host-passthrough (it is host-model);'
            ' libvirt >= 9.0.0 accepts any CPU mode')

    def test_without_a_request_any_host(self):
        src = self.source_record(fakes.NO_ELEMENT, libversion=8000000)
        for caps in (fakes.AARCH64, fakes.NO_ELEMENT, fakes.INTEL_39):
            with self.subTest(caps=caps):
                self.assertIsNone(self.live(fakes.flavor(), self.dest(caps),
                                            src))

    def test_non_x86_guest_is_refused_by_the_resolver(self):
        src = self.source_record()
        dest = self.dest()
        with self.assertRaises(exception.InvalidMaxPhysAddrRequest) as ctx:
            self.live(fakes.emulate(42), dest, src,
                      image_meta=fakes.image(hw_architecture='aarch64'))
        self.assertIn('which only x86_64 guests have, but the image sets '
                      'hw_architecture=aarch64', str(ctx.exception))

    def test_the_resolver_decides(self):
        dest = self.dest(fakes.INTEL_39)
        request = hardware.MaxPhysAddrRequest('emulate', 40)
        flavor_, image_meta = fakes.flavor(), fakes.image()
        with mock.patch.object(hardware, 'get_maxphysaddr_request',
                               return_value=request) as resolver:
            self.assertRaises(exception.MaxPhysAddrMigrationError,
                              dest.check_can_live_migrate_destination,
                              fakes.instance(flavor_=flavor_), image_meta, {})
        resolver.assert_called_once_with(flavor_, image_meta)


class ResizeTest(MoveTestCase):
    """Resize and cold migration: the guest restarts with the (new)
    flavor, so only what spawn checks applies."""

    def resize(self, old, new, dest, image_meta=None):
        return dest.check_can_migrate_destination(
            fakes.instance(flavor_=old), image_meta, new)

    def test_to_more_bits_than_the_destination_has(self):
        dest = self.dest(fakes.INTEL_46)
        self.assertDenied(
            lambda: self.resize(fakes.emulate(42), fakes.emulate(47), dest),
            'mode=emulate, bits=47', 'cannot be honoured here: host has 46 '
            'physical address bits; the guest (mode=emulate, bits=47) needs '
            'at least 47 bits')

    def test_accepted_then_started_with_the_new_width(self):
        dest = self.dest(fakes.AMD_48)
        new = fakes.emulate(47)
        self.assertEqual(hardware.MaxPhysAddrRequest('emulate', 47),
                         self.resize(fakes.emulate(42), new, dest))
        dest.spawn(fakes.instance(flavor_=new), None, new)
        self.assertEqual({'mode': 'emulate', 'bits': '47'},
                         fakes.maxphysaddr_of(self.conn.defined[-1]))

    def test_new_flavor_asks_for_the_feature(self):
        dest = self.dest(fakes.NO_ELEMENT, libversion=8000000)
        self.assertIsNone(self.resize(fakes.emulate(42), fakes.flavor(), dest))
        self.assertDenied(
            lambda: self.resize(fakes.flavor(), fakes.emulate(42), dest),
            'mode=emulate, bits=42', 'cannot be honoured here: it needs '
            'libvirt >= 8.7.0 with QEMU >= 2.7.0; this host has libvirt '
            '8.0.0 with QEMU 7.2.0')

    def test_passthrough_may_change_width_on_a_restart(self):
        # Unlike a live migration: the guest boots again on the new host.
        self.assertEqual(
            hardware.MaxPhysAddrRequest('passthrough'),
            self.resize(fakes.passthrough(), fakes.passthrough(),
                        self.dest(fakes.INTEL_39)))

    def test_cold_migration_keeps_the_instances_flavor(self):
        dest = self.dest(fakes.INTEL_39)
        self.assertDenied(
            lambda: dest.check_can_migrate_destination(
                fakes.instance(flavor_=fakes.emulate(42)), None),
            'mode=emulate, bits=42', 'cannot be honoured here: host has 39 '
            'physical address bits; the guest (mode=emulate, bits=42) needs '
            'at least 42 bits')

    def test_new_flavor_goes_through_the_resolver(self):
        dest = self.dest()
        for new, image_meta, error, message in (
                (fakes.emulate(46), fakes.image(hw_maxphysaddr_bits=42),
                 exception.FlavorImageConflict,
                 'Conflicting maxphysaddr bits request: the flavor sets '
                 'hw:maxphysaddr_bits=46 but the image sets '
                 'hw_maxphysaddr_bits=42. Set it in one of them, or set the '
                 'same value in both.'),
                (fakes.emulate(40, memory_mb=1536 * 1024), None,
                 exception.MaxPhysAddrBitsTooSmall,
                 'hw:maxphysaddr_bits=40 is too small for this flavor: a '
                 'guest with 1572864 MiB of RAM needs at least 42 physical '
                 'address bits (2**40 bytes cannot hold its RAM, PCI holes '
                 'and 64-bit PCI window). Set hw:maxphysaddr_bits to at '
                 'least 42.'),
                (fakes.passthrough(**{'hw:maxphysaddr_bits': '46'}), None,
                 exception.InvalidMaxPhysAddrRequest,
                 "Invalid maxphysaddr request: hw:maxphysaddr_mode="
                 "passthrough uses the host CPU's width and takes no bits, "
                 "but hw:maxphysaddr_bits=46 is set; remove it, or use "
                 "emulate")):
            with self.subTest(error=error):
                with self.assertRaises(error) as ctx:
                    self.resize(fakes.emulate(42), new, dest, image_meta)
                self.assertEqual(message, str(ctx.exception))

    def test_resolver_gets_the_new_flavor(self):
        dest = self.dest()
        old, new = fakes.emulate(42), fakes.emulate(44)
        image_meta = fakes.image()
        with mock.patch.object(hardware, 'get_maxphysaddr_request',
                               return_value=None) as resolver:
            self.assertIsNone(self.resize(old, new, dest, image_meta))
        resolver.assert_called_once_with(new, image_meta)


class SourceRecordTest(MoveTestCase):

    def test_record_written_by_the_driver_is_read_back(self):
        # The width the destination compares is the one the source's own
        # driver published (a JSON string, as the compute node stores it).
        record = self.source_record(fakes.INTEL_39)
        self.assertIsInstance(record['cpu_info'], str)
        self.conn.capabilities = fakes.fixture(fakes.INTEL_39)
        dest = libvirt_driver.LibvirtDriver(host.Host())
        self.assertEqual(
            hardware.MaxPhysAddrRequest('passthrough'),
            dest.check_can_live_migrate_destination(
                fakes.instance(flavor_=fakes.passthrough()), None, record))
