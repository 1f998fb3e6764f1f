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

"""The one maxphysaddr resolver: flavor + image -> request, or an error;
the machine type it sizes the guest with; QEMU's sizing rule."""

import unittest

from nova_maxphysaddr.rules import sizing
from nova_maxphysaddr.rules import values

from nova import exception
from nova import objects
from nova.virt import hardware

from tests import base
from tests import fakes

GiB_MB = fakes.MiB_PER_GiB
TiB_MB = fakes.MiB_PER_TiB
MODE = values.FLAVOR_MODE_KEY
BITS = values.FLAVOR_BITS_KEY


def q35(memory_mb):
    return sizing.GuestLayout(memory_mb, 'q35')


def pc(memory_mb):
    return sizing.GuestLayout(memory_mb, 'pc')


class ResolverTest(base.ConfTestCase):

    def setUp(self):
        super().setUp()
        self.flags()  # [libvirt]hw_machine_type unset: pc

    def resolve(self, flavor_, image_=None):
        return hardware.get_maxphysaddr_request(flavor_, image_)

    def assertRejected(self, exc_class, message, flavor_, image_=None):
        with self.assertRaises(exc_class) as ctx:
            self.resolve(flavor_, image_)
        self.assertEqual(message, str(ctx.exception))
        return ctx.exception

    def test_nothing_requested(self):
        self.assertIsNone(self.resolve(fakes.flavor()))
        self.assertIsNone(self.resolve(fakes.flavor(), fakes.image()))
        self.assertIsNone(self.resolve(fakes.flavor(), None))
        # A huge flavor without the feature behaves as before: no request.
        self.assertIsNone(self.resolve(fakes.flavor(4 * TiB_MB)))

    def test_emulate_from_flavor_image_or_both(self):
        expected = hardware.MaxPhysAddrRequest('emulate', 42)
        self.assertEqual(expected, self.resolve(fakes.emulate(42)))
        self.assertEqual(expected, self.resolve(fakes.flavor(), fakes.image(
            hw_maxphysaddr_mode='emulate', hw_maxphysaddr_bits='42')))
        self.assertEqual(expected, self.resolve(
            fakes.flavor(**{MODE: 'emulate'}),
            fakes.image(hw_maxphysaddr_bits=42)))
        self.assertEqual(expected, self.resolve(
            fakes.flavor(**{BITS: '42'}),
            fakes.image(hw_maxphysaddr_mode='emulate')))
        # Agreeing typed values: the flavor's '42' and the image's 42.
        self.assertEqual(expected, self.resolve(
            fakes.emulate(42), fakes.image(hw_maxphysaddr_mode='emulate',
                                           hw_maxphysaddr_bits=42)))
        self.assertEqual('mode=emulate, bits=42', str(expected))
        self.assertTrue(expected.is_emulate)
        self.assertFalse(expected.is_passthrough)

    def test_passthrough(self):
        expected = hardware.MaxPhysAddrRequest('passthrough')
        for f, i in ((fakes.passthrough(), None),
                     (fakes.flavor(),
                      fakes.image(hw_maxphysaddr_mode='passthrough')),
                     (fakes.passthrough(),
                      fakes.image(hw_maxphysaddr_mode='passthrough'))):
            self.assertEqual(expected, self.resolve(f, i))
        self.assertEqual('mode=passthrough', str(expected))
        self.assertIsNone(expected.bits)
        # The width is the host's: the API cannot check RAM against it.
        self.assertEqual(expected, self.resolve(
            fakes.passthrough(4 * TiB_MB)))

    def test_image_meta_shapes(self):
        # An image record without properties asks for nothing.
        self.assertIsNone(self.resolve(
            fakes.flavor(), objects.ImageMeta(name='no-properties')))
        self.assertEqual(
            hardware.MaxPhysAddrRequest('emulate', 42),
            self.resolve(fakes.emulate(42),
                         objects.ImageMeta(name='no-properties')))
        # A raw dict would skip the object's validation: refused.
        for raw in ({'properties': {'hw_maxphysaddr_mode': 'emulate'}},
                    {'hw_maxphysaddr_bits': '42'}):
            with self.assertRaises(TypeError) as ctx:
                self.resolve(fakes.flavor(), raw)
            self.assertEqual('image_meta must be an ImageMeta, '
                             'ImageMetaProps or None, not dict',
                             str(ctx.exception))

    def test_image_meta_props_accepted_directly(self):
        self.assertEqual(
            hardware.MaxPhysAddrRequest('emulate', 40),
            self.resolve(fakes.flavor(), fakes.image(
                hw_maxphysaddr_mode='emulate',
                hw_maxphysaddr_bits=40).properties))

    def test_conflicts(self):
        self.assertRejected(
            exception.FlavorImageConflict,
            "Conflicting maxphysaddr mode request: the flavor sets "
            "hw:maxphysaddr_mode='emulate' but the image sets "
            "hw_maxphysaddr_mode='passthrough'. Set it in one of them, or "
            "set the same value in both.",
            fakes.emulate(42),
            fakes.image(hw_maxphysaddr_mode='passthrough'))
        self.assertRejected(
            exception.FlavorImageConflict,
            "Conflicting maxphysaddr bits request: the flavor sets "
            "hw:maxphysaddr_bits=42 but the image sets "
            "hw_maxphysaddr_bits=43. Set it in one of them, or set the same "
            "value in both.",
            fakes.emulate(42), fakes.image(hw_maxphysaddr_bits=43))

    def test_emulate_without_bits(self):
        exc = self.assertRejected(
            exception.InvalidMaxPhysAddrRequest,
            "Invalid maxphysaddr request: hw_maxphysaddr_mode=emulate needs "
            "the width: set hw:maxphysaddr_bits (flavor) or "
            "hw_maxphysaddr_bits (image) to a decimal integer from 32 to 52",
            fakes.flavor(), fakes.image(hw_maxphysaddr_mode='emulate'))
        self.assertEqual(400, exc.code)
        self.assertRejected(
            exception.InvalidMaxPhysAddrRequest,
            "Invalid maxphysaddr request: hw:maxphysaddr_mode=emulate needs "
            "the width: set hw:maxphysaddr_bits (flavor) or "
            "hw_maxphysaddr_bits (image) to a decimal integer from 32 to 52",
            fakes.flavor(**{MODE: 'emulate'}))

    def test_passthrough_with_bits(self):
        for f, i, bits_key in (
                (fakes.passthrough(**{BITS: '46'}), None,
                 'hw:maxphysaddr_bits'),
                (fakes.passthrough(),
                 fakes.image(hw_maxphysaddr_bits=46),
                 'hw_maxphysaddr_bits')):
            with self.subTest(bits_key=bits_key):
                self.assertRejected(
                    exception.InvalidMaxPhysAddrRequest,
                    "Invalid maxphysaddr request: hw:maxphysaddr_mode="
                    "passthrough uses the host CPU's width and takes no bits, "
                    "but %s=46 is set; remove it, or use emulate" % bits_key,
                    f, i)

    def test_bits_without_mode(self):
        for f, i, key in ((fakes.flavor(**{BITS: '42'}), None,
                           'hw:maxphysaddr_bits'),
                          (fakes.flavor(),
                           fakes.image(hw_maxphysaddr_bits='42'),
                           'hw_maxphysaddr_bits')):
            with self.subTest(key=key):
                self.assertRejected(
                    exception.InvalidMaxPhysAddrRequest,
                    "Invalid maxphysaddr request: %s=42 is set but no "
                    "maxphysaddr mode is: bits take effect only with "
                    "hw:maxphysaddr_mode=emulate (flavor) or "
                    "hw_maxphysaddr_mode=emulate (image)" % key, f, i)

    def test_width_only_for_x86_images(self):
        # Found by the scheduler/driver agreement property test: x86 hosts
        # that also run aarch64 guests passed the scheduler, and the driver
        # then refused.  No host can start such a guest.
        for f, i, mode_key, mode, arch in (
                (fakes.emulate(42), {}, 'hw:maxphysaddr_mode',
                 'emulate', 'aarch64'),
                (fakes.flavor(), {'hw_maxphysaddr_mode': 'passthrough'},
                 'hw_maxphysaddr_mode', 'passthrough', 'ppc64le'),
                (fakes.passthrough(), {}, 'hw:maxphysaddr_mode',
                 'passthrough', 'arm64'),
                # QEMU: "phys-bits is not user-configurable in 32 bit".
                (fakes.emulate(36), {}, 'hw:maxphysaddr_mode',
                 'emulate', 'i686')):
            with self.subTest(arch=arch):
                props = dict(i, hw_architecture=arch)
                self.assertRejected(
                    exception.InvalidMaxPhysAddrRequest,
                    "Invalid maxphysaddr request: %s=%s sets the guest's "
                    "physical address width, which only x86_64 guests have, "
                    "but the image sets hw_architecture=%s; remove %s, or "
                    "use an x86_64 image" % (
                        mode_key, mode,
                        objects.ImageMetaProps.from_dict(
                            props).hw_architecture, mode_key),
                    f, fakes.image(**props))
        for arch in ('x86_64', 'amd64'):
            with self.subTest(arch=arch):
                self.assertEqual(
                    hardware.MaxPhysAddrRequest('emulate', 42),
                    self.resolve(fakes.emulate(42),
                                 fakes.image(hw_architecture=arch)))
        # Without a request, any architecture: the feature is not used.
        self.assertIsNone(self.resolve(fakes.flavor(), fakes.image(
            hw_architecture='aarch64')))

    def test_bad_flavor_values_get_the_api_validator_error(self):
        # Lists and dicts cannot even be stored as extra specs (the field
        # holds strings), so they never reach the resolver.
        for value in [v for v in fakes.BAD_BITS
                      if not isinstance(v, (list, dict))]:
            with self.subTest(value=value):
                with self.assertRaises(exception.ValidationError) as ctx:
                    self.resolve(fakes.flavor(**{MODE: 'emulate',
                                                 BITS: value}))
                self.assertIn('hw:maxphysaddr_bits=', str(ctx.exception))
        for value in fakes.BAD_MODES:
            with self.subTest(value=value):
                with self.assertRaises(exception.ValidationError) as ctx:
                    self.resolve(fakes.flavor(**{MODE: value,
                                                 BITS: '42'}))
                self.assertIn('hw:maxphysaddr_mode=', str(ctx.exception))

    def test_bits_too_small_for_the_flavor_ram(self):
        self.assertRejected(
            exception.MaxPhysAddrBitsTooSmall,
            "hw:maxphysaddr_bits=40 is too small for this flavor: a guest "
            "with 1572864 MiB of RAM needs at least 42 physical address bits "
            "(2**40 bytes cannot hold its RAM, PCI holes and 64-bit PCI "
            "window). Set hw:maxphysaddr_bits to at least 42.",
            fakes.emulate(40, fakes.LARGE_MB))
        # Named after the key that set the bits: here the image's.
        with self.assertRaises(exception.MaxPhysAddrBitsTooSmall) as ctx:
            self.resolve(fakes.flavor(fakes.LARGE_MB, **{MODE: 'emulate'}),
                         fakes.image(hw_maxphysaddr_bits=41))
        self.assertTrue(str(ctx.exception).startswith(
            'hw_maxphysaddr_bits=41 is too small'))
        self.assertIsInstance(ctx.exception,
                              exception.InvalidMaxPhysAddrRequest)
        self.assertEqual(
            hardware.MaxPhysAddrRequest('emulate', 42),
            self.resolve(fakes.emulate(42, fakes.LARGE_MB)))

    def test_ram_beyond_what_qemu_can_address(self):
        self.assertRejected(
            exception.InvalidMaxPhysAddrRequest,
            'Invalid maxphysaddr request: a guest with 4398046511104 MiB of '
            'RAM needs 63 physical address bits, more than QEMU allows (52)',
            fakes.emulate(52, 4 * 1024 * 1024 * TiB_MB))

    def test_the_width_follows_the_machine_type(self):
        # 1 GiB: pc (Nova's default on x86) needs 33 bits, q35 36.
        self.assertEqual(hardware.MaxPhysAddrRequest('emulate', 33),
                         self.resolve(fakes.emulate(33, GiB_MB)))
        q35_image = fakes.image(hw_machine_type='q35')
        self.assertRejected(
            exception.MaxPhysAddrBitsTooSmall,
            "hw:maxphysaddr_bits=33 is too small for this flavor: a guest "
            "with 1024 MiB of RAM needs at least 36 physical address bits "
            "(2**33 bytes cannot hold its RAM, PCI holes and 64-bit PCI "
            "window). Set hw:maxphysaddr_bits to at least 36.",
            fakes.emulate(33, GiB_MB), q35_image)
        self.assertEqual(hardware.MaxPhysAddrRequest('emulate', 36),
                         self.resolve(fakes.emulate(36, GiB_MB), q35_image))
        # The option names the machine type of images without one.
        self.flags(hw_machine_type=['x86_64=q35'])
        with self.assertRaises(exception.MaxPhysAddrBitsTooSmall):
            self.resolve(fakes.emulate(33, GiB_MB))
        self.assertEqual(
            hardware.MaxPhysAddrRequest('emulate', 33),
            self.resolve(fakes.emulate(33, GiB_MB),
                         fakes.image(hw_machine_type='pc-i440fx-8.2')))

    def test_machine_type_without_a_known_memory_map(self):
        for flavor_, image_props, mode_key, mode in (
                (fakes.emulate(42), {}, 'hw:maxphysaddr_mode', 'emulate'),
                (fakes.passthrough(), {}, 'hw:maxphysaddr_mode',
                 'passthrough'),
                (fakes.flavor(), {'hw_maxphysaddr_mode': 'emulate',
                                  'hw_maxphysaddr_bits': 42},
                 'hw_maxphysaddr_mode', 'emulate')):
            with self.subTest(mode_key=mode_key, mode=mode):
                self.assertRejected(
                    exception.InvalidMaxPhysAddrRequest,
                    "Invalid maxphysaddr request: %s=%s needs the guest's "
                    "memory map, but its machine type is 'microvm'; the "
                    "width rule knows q35 and pc (and their versioned "
                    "types)" % (mode_key, mode),
                    flavor_, fakes.image(hw_machine_type='microvm',
                                         **image_props))
        # Without a request the machine type does not matter.
        self.assertIsNone(self.resolve(
            fakes.flavor(), fakes.image(hw_machine_type='microvm')))

    def test_32_bits_are_refused_for_every_size(self):
        # QEMU >= 8.2 checks phys-bits=32 too, and no x86_64 memory map
        # ends below 4 GiB (the 64-bit PCI window is above it).
        for machine_type in ('pc', 'q35', 'pc-q35-7.2', 'pc-i440fx-8.2'):
            for memory_mb in (1, 512, GiB_MB, 2815, 3 * GiB_MB, 3584,
                              fakes.LARGE_MB):
                with self.subTest(machine_type=machine_type,
                                  memory_mb=memory_mb):
                    with self.assertRaises(
                            exception.MaxPhysAddrBitsTooSmall) as ctx:
                        self.resolve(fakes.emulate(32, memory_mb),
                                     fakes.image(
                                         hw_machine_type=machine_type))
                    self.assertIn('hw:maxphysaddr_bits=32 is too small',
                                  str(ctx.exception))


class MachineTypeTest(base.ConfTestCase):
    """The machine type the width is computed for: Nova's choice."""

    def test_precedence(self):
        self.flags()
        # Neither the image nor the option: Nova's default on x86.
        self.assertEqual('pc', hardware.get_machine_type(None))
        self.assertEqual('pc', hardware.get_machine_type(fakes.image()))
        self.assertEqual('pc', hardware.get_machine_type(fakes.image(),
                                                         'i686'))
        self.assertIsNone(hardware.get_machine_type(fakes.image(),
                                                    'aarch64'))
        # The option, per architecture.
        self.flags(hw_machine_type=['x86_64=q35', 'aarch64=virt'])
        self.assertEqual('q35', hardware.get_machine_type(None))
        self.assertEqual('q35', hardware.get_machine_type(fakes.image()))
        self.assertEqual('virt', hardware.get_machine_type(fakes.image(),
                                                           'aarch64'))
        self.assertEqual('pc', hardware.get_machine_type(fakes.image(),
                                                         'i686'))
        # The image's property wins over both.
        for machine_type in ('pc', 'pc-i440fx-8.2', 'pc-q35-7.2',
                             'microvm'):
            with self.subTest(machine_type=machine_type):
                image = fakes.image(hw_machine_type=machine_type)
                self.assertEqual(machine_type,
                                 hardware.get_machine_type(image))
                self.assertEqual(machine_type,
                                 hardware.get_machine_type(image.properties))

    def test_guest_layout(self):
        self.flags(hw_machine_type=['x86_64=q35'])
        self.assertEqual(
            sizing.GuestLayout(fakes.LARGE_MB, 'q35'),
            hardware.get_guest_layout(fakes.flavor(fakes.LARGE_MB), None))
        self.assertEqual(
            sizing.GuestLayout(GiB_MB, 'pc'),
            hardware.get_guest_layout(fakes.flavor(GiB_MB), fakes.image(
                hw_machine_type='pc')))


class SizingRuleTest(unittest.TestCase):
    """QEMU's x86 memory maps (QEMU's hw/i386/pc.c; the large-RAM guide),
    by worked examples."""

    def test_worked_examples(self):
        # q35
        for memory_mb, bits in ((GiB_MB, 36), (8 * GiB_MB, 36),
                                (1536 * GiB_MB, 42), (4 * TiB_MB, 43)):
            with self.subTest(memory_mb=memory_mb):
                self.assertEqual(bits, sizing.min_bits(q35(memory_mb)))

    def test_measured_addresses(self):
        # Computed by hand from QEMU's map, and what QEMU 7.2 and 10.0.2
        # said ("Address space limit 0x... < NEEDED phys-bits too low"),
        # NEEDED being the last byte of the map: the first address past it
        # is NEEDED + 1.
        gib = 1024 ** 3
        for layout, amd, needed, bits in (
                # pc: 1 GiB all low; the 2 GiB 64-bit window at 4 GiB:
                # the first address past the map is 0x180000000 (6 GiB).
                (pc(GiB_MB), True, 0x17fffffff, 33),
                # pc, 1.5 TiB: 3 GiB low, 1533 GiB high from 1 TiB (AMD)
                # or 4 GiB (Intel), then the 2 GiB window.
                (pc(fakes.LARGE_MB), True, 0x27fbfffffff, 42),
                (pc(fakes.LARGE_MB), False, 0x180bfffffff, 41),
                # q35: 1 GiB all low; the 32 GiB window at 4 GiB.
                (q35(GiB_MB), True, 0x8ffffffff, 36),
                # q35, 1.5 TiB: 2 GiB low, 1534 GiB high, 32 GiB window.
                (q35(fakes.LARGE_MB), True, 0x2877fffffff, 42),
                (q35(fakes.LARGE_MB), False, 0x1887fffffff, 41)):
            with self.subTest(layout=layout, amd=amd):
                self.assertEqual(needed + 1,
                                 sizing.address_space_end(layout, amd))
                self.assertEqual(bits, sizing.min_bits(layout, amd))
                self.assertTrue(sizing.bits_fit(layout, bits, amd))
                self.assertFalse(sizing.bits_fit(layout, bits - 1, amd))
        # The same numbers, from the parts of the map.
        self.assertEqual((4 + 2) * gib, 0x17fffffff + 1)
        self.assertEqual((1024 + 1533 + 2) * gib, 0x27fbfffffff + 1)
        self.assertEqual((4 + 1533 + 2) * gib, 0x180bfffffff + 1)
        self.assertEqual((4 + 32) * gib, 0x8ffffffff + 1)
        self.assertEqual((1024 + 1534 + 32) * gib, 0x2877fffffff + 1)
        self.assertEqual((4 + 1534 + 32) * gib, 0x1887fffffff + 1)

    def test_unknown_machine_type_assumes_the_larger_map(self):
        # The API of a cloud whose compute nodes choose: q35 or pc,
        # whichever needs more.
        for memory_mb in (GiB_MB, 8 * GiB_MB, fakes.LARGE_MB, 4 * TiB_MB):
            for amd in (True, False):
                with self.subTest(memory_mb=memory_mb, amd=amd):
                    self.assertEqual(
                        max(sizing.address_space_end(q35(memory_mb), amd),
                            sizing.address_space_end(pc(memory_mb), amd)),
                        sizing.address_space_end(
                            sizing.GuestLayout(memory_mb), amd))

    def test_machine_type_without_a_map(self):
        layout = sizing.GuestLayout(GiB_MB, 'microvm')
        self.assertEqual((), layout.families)
        with self.assertRaises(ValueError):
            sizing.address_space_end(layout)
        for machine_type, family in (('q35', sizing.Q35),
                                     ('pc-q35-7.2', sizing.Q35),
                                     ('pc', sizing.I440FX),
                                     ('pc-i440fx-8.2', sizing.I440FX)):
            self.assertEqual((family,), sizing.GuestLayout(
                GiB_MB, machine_type).families)

    def test_intel_vendor_layout_needs_less_beyond_1012_gib(self):
        self.assertEqual(41, sizing.min_bits(q35(1536 * GiB_MB),
                                             amd_vendor=False))
        self.assertEqual(42, sizing.min_bits(q35(1536 * GiB_MB)))

    def test_amd_relocation_counts_the_pci_window(self):
        # 1000 GiB of RAM ends below 1012 GiB, but with the 32 GiB 64-bit
        # PCI window the address space reaches the HyperTransport hole, so
        # an AMD-vendor guest's high RAM moves to 1 TiB.
        self.assertEqual((1024 + 998 + 32) * 1024 ** 3,
                         sizing.address_space_end(q35(1000 * GiB_MB)))
        self.assertEqual(42, sizing.min_bits(q35(1000 * GiB_MB)))
        self.assertEqual(41, sizing.min_bits(q35(1000 * GiB_MB),
                                             amd_vendor=False))

    def test_low_ram_split(self):
        gib = 1024 ** 3
        # q35: below 2.75 GiB everything is low RAM: only the PCI window
        # above.
        self.assertEqual(36 * gib, sizing.address_space_end(q35(2815)))
        # From 2.75 GiB, 2 GiB stay low and the rest starts at 4 GiB.
        self.assertEqual((4 + 1 + 32) * gib,
                         sizing.address_space_end(q35(2816)))
        # The end of RAM is rounded up to 1 GiB before the window.
        self.assertEqual((4 + 7 + 32) * gib,
                         sizing.address_space_end(q35(8 * 1024 + 1)))
        # pc: below 3.5 GiB all low, else 3 GiB low; a 2 GiB window.
        self.assertEqual((4 + 2) * gib, sizing.address_space_end(pc(3583)))
        self.assertEqual((4 + 1 + 2) * gib,
                         sizing.address_space_end(pc(3584)))
        self.assertEqual((4 + 6 + 2) * gib,
                         sizing.address_space_end(pc(8 * 1024 + 1)))

    def test_32_bits_never_fit(self):
        # QEMU >= 8.2 checks phys-bits=32 like any other width, and every
        # map ends above 4 GiB; nothing between 33 and 35 fits a q35 guest.
        for layout in (q35(GiB_MB), pc(GiB_MB), q35(1), pc(1),
                       sizing.GuestLayout(1), q35(3 * GiB_MB)):
            for amd in (True, False):
                with self.subTest(layout=layout, amd=amd):
                    self.assertFalse(sizing.bits_fit(layout, 32, amd))
        for bits in (33, 34, 35):
            self.assertFalse(sizing.bits_fit(q35(GiB_MB), bits))
        self.assertTrue(sizing.bits_fit(q35(GiB_MB), 36))
        self.assertTrue(sizing.bits_fit(pc(GiB_MB), 33))
        self.assertFalse(sizing.bits_fit(q35(3 * GiB_MB), 32))

    def test_min_bits_always_fits_and_one_less_does_not(self):
        for machine_type in ('q35', 'pc', None):
            for memory_mb in (512, 2048, 2816, 3584, 64 * GiB_MB,
                              900 * GiB_MB, 1012 * GiB_MB, 2 * TiB_MB,
                              3 * TiB_MB, 1536 * GiB_MB + 1):
                layout = sizing.GuestLayout(memory_mb, machine_type)
                for amd in (True, False):
                    with self.subTest(layout=layout, amd=amd):
                        bits = sizing.min_bits(layout, amd)
                        self.assertTrue(sizing.bits_fit(layout, bits, amd))
                        self.assertFalse(sizing.bits_fit(layout, bits - 1,
                                                         amd))

    def test_default_40_bits_holds_under_a_tebibyte(self):
        # Why the feature exists: QEMU's default holds 900 GiB, not 1.5 TiB.
        for layout in (q35, pc):
            with self.subTest(machine_type=layout.__name__):
                self.assertTrue(sizing.bits_fit(
                    layout(900 * GiB_MB), values.QEMU_DEFAULT_BITS))
                self.assertFalse(sizing.bits_fit(
                    layout(1536 * GiB_MB), values.QEMU_DEFAULT_BITS))
