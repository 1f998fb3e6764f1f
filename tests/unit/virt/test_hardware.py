"""The one maxphysaddr resolver: flavor + image -> request, or an error."""

import unittest

from nova import exception
from nova import objects
from nova.virt import hardware

from tests.unit.api.test_extra_specs import BAD_BITS, BAD_MODES

objects.register_all()

GiB_MB = 1024
TiB_MB = 1024 * 1024


def flavor(memory_mb=2048, **extra_specs):
    return objects.Flavor(memory_mb=memory_mb, vcpus=2, extra_specs={
        'hw:maxphysaddr_' + k: v for k, v in extra_specs.items()})


def image(**props):
    return objects.ImageMeta.from_dict({'properties': {
        'hw_maxphysaddr_' + k: v for k, v in props.items()}})


class ResolverTest(unittest.TestCase):

    def resolve(self, flavor_, image_=None):
        return hardware.get_maxphysaddr_request(flavor_, image_)

    def assertRejected(self, exc_class, message, flavor_, image_=None):
        with self.assertRaises(exc_class) as ctx:
            self.resolve(flavor_, image_)
        self.assertEqual(message, str(ctx.exception))
        return ctx.exception

    def test_nothing_requested(self):
        self.assertIsNone(self.resolve(flavor()))
        self.assertIsNone(self.resolve(flavor(), image()))
        self.assertIsNone(self.resolve(flavor(), None))
        # A huge flavor without the feature behaves as before: no request.
        self.assertIsNone(self.resolve(flavor(4 * TiB_MB)))

    def test_emulate_from_flavor_image_or_both(self):
        expected = hardware.MaxPhysAddrRequest('emulate', 42)
        self.assertEqual(expected, self.resolve(flavor(mode='emulate',
                                                       bits='42')))
        self.assertEqual(expected, self.resolve(flavor(), image(
            mode='emulate', bits='42')))
        self.assertEqual(expected, self.resolve(
            flavor(mode='emulate'), image(bits=42)))
        self.assertEqual(expected, self.resolve(
            flavor(bits='42'), image(mode='emulate')))
        # Agreeing typed values: the flavor's '42' and the image's 42.
        self.assertEqual(expected, self.resolve(
            flavor(mode='emulate', bits='42'), image(mode='emulate', bits=42)))
        self.assertEqual('mode=emulate, bits=42', str(expected))
        self.assertTrue(expected.is_emulate)
        self.assertFalse(expected.is_passthrough)

    def test_passthrough(self):
        expected = hardware.MaxPhysAddrRequest('passthrough')
        for f, i in ((flavor(mode='passthrough'), None),
                     (flavor(), image(mode='passthrough')),
                     (flavor(mode='passthrough'), image(mode='passthrough'))):
            self.assertEqual(expected, self.resolve(f, i))
        self.assertEqual('mode=passthrough', str(expected))
        self.assertIsNone(expected.bits)
        # The width is the host's: the API cannot check RAM against it.
        self.assertEqual(expected, self.resolve(
            flavor(4 * TiB_MB, mode='passthrough')))

    def test_image_meta_shapes(self):
        # An image record without properties asks for nothing.
        self.assertIsNone(self.resolve(
            flavor(), objects.ImageMeta(name='no-properties')))
        self.assertEqual(
            hardware.MaxPhysAddrRequest('emulate', 42),
            self.resolve(flavor(mode='emulate', bits='42'),
                         objects.ImageMeta(name='no-properties')))
        # A raw dict would skip the object's validation: refused.
        for raw in ({'properties': {'hw_maxphysaddr_mode': 'emulate'}},
                    {'hw_maxphysaddr_bits': '42'}):
            with self.assertRaises(TypeError) as ctx:
                self.resolve(flavor(), raw)
            self.assertEqual('image_meta must be an ImageMeta, '
                             'ImageMetaProps or None, not dict',
                             str(ctx.exception))

    def test_image_meta_props_accepted_directly(self):
        self.assertEqual(
            hardware.MaxPhysAddrRequest('emulate', 40),
            self.resolve(flavor(), image(mode='emulate', bits=40).properties))

    def test_conflicts(self):
        self.assertRejected(
            exception.FlavorImageConflict,
            "Conflicting maxphysaddr mode request: the flavor sets "
            "hw:maxphysaddr_mode='emulate' but the image sets "
            "hw_maxphysaddr_mode='passthrough'. Set it in one of them, or "
            "set the same value in both.",
            flavor(mode='emulate', bits='42'), image(mode='passthrough'))
        self.assertRejected(
            exception.FlavorImageConflict,
            "Conflicting maxphysaddr bits request: the flavor sets "
            "hw:maxphysaddr_bits=42 but the image sets "
            "hw_maxphysaddr_bits=43. Set it in one of them, or set the same "
            "value in both.",
            flavor(mode='emulate', bits='42'), image(bits=43))

    def test_emulate_without_bits(self):
        exc = self.assertRejected(
            exception.InvalidMaxPhysAddrRequest,
            "Invalid maxphysaddr request: hw_maxphysaddr_mode=emulate needs "
            "the width: set hw:maxphysaddr_bits (flavor) or "
            "hw_maxphysaddr_bits (image) to a decimal integer from 32 to 52",
            flavor(), image(mode='emulate'))
        self.assertEqual(400, exc.code)
        self.assertRejected(
            exception.InvalidMaxPhysAddrRequest,
            "Invalid maxphysaddr request: hw:maxphysaddr_mode=emulate needs "
            "the width: set hw:maxphysaddr_bits (flavor) or "
            "hw_maxphysaddr_bits (image) to a decimal integer from 32 to 52",
            flavor(mode='emulate'))

    def test_passthrough_with_bits(self):
        for f, i, bits_key in (
                (flavor(mode='passthrough', bits='46'), None,
                 'hw:maxphysaddr_bits'),
                (flavor(mode='passthrough'), image(bits=46),
                 'hw_maxphysaddr_bits')):
            with self.subTest(bits_key=bits_key):
                self.assertRejected(
                    exception.InvalidMaxPhysAddrRequest,
                    "Invalid maxphysaddr request: hw:maxphysaddr_mode="
                    "passthrough uses the host CPU's width and takes no bits, "
                    "but %s=46 is set; remove it, or use emulate" % bits_key,
                    f, i)

    def test_bits_without_mode(self):
        for f, i, key in ((flavor(bits='42'), None, 'hw:maxphysaddr_bits'),
                          (flavor(), image(bits='42'), 'hw_maxphysaddr_bits')):
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
                (flavor(mode='emulate', bits='42'), {}, 'hw:maxphysaddr_mode',
                 'emulate', 'aarch64'),
                (flavor(), {'hw_maxphysaddr_mode': 'passthrough'},
                 'hw_maxphysaddr_mode', 'passthrough', 'ppc64le'),
                (flavor(mode='passthrough'), {}, 'hw:maxphysaddr_mode',
                 'passthrough', 'arm64'),
                # QEMU: "phys-bits is not user-configurable in 32 bit".
                (flavor(mode='emulate', bits='36'), {}, 'hw:maxphysaddr_mode',
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
                    f, objects.ImageMeta.from_dict({'properties': props}))
        for arch in ('x86_64', 'amd64'):
            with self.subTest(arch=arch):
                self.assertEqual(
                    hardware.MaxPhysAddrRequest('emulate', 42),
                    self.resolve(flavor(mode='emulate', bits='42'),
                                 objects.ImageMeta.from_dict({'properties': {
                                     'hw_architecture': arch}})))
        # Without a request, any architecture: the feature is not used.
        self.assertIsNone(self.resolve(flavor(), objects.ImageMeta.from_dict(
            {'properties': {'hw_architecture': 'aarch64'}})))

    def test_bad_flavor_values_get_the_api_validator_error(self):
        # Lists and dicts cannot even be stored as extra specs (the field
        # holds strings), so they never reach the resolver.
        for value in [v for v in BAD_BITS if not isinstance(v, (list, dict))]:
            with self.subTest(value=value):
                with self.assertRaises(exception.ValidationError) as ctx:
                    self.resolve(flavor(mode='emulate', bits=value))
                self.assertIn('hw:maxphysaddr_bits=', str(ctx.exception))
        for value in BAD_MODES:
            with self.subTest(value=value):
                with self.assertRaises(exception.ValidationError) as ctx:
                    self.resolve(flavor(mode=value, bits='42'))
                self.assertIn('hw:maxphysaddr_mode=', str(ctx.exception))

    def test_bits_too_small_for_the_flavor_ram(self):
        self.assertRejected(
            exception.MaxPhysAddrBitsTooSmall,
            "hw:maxphysaddr_bits=40 is too small for this flavor: a guest "
            "with 1572864 MiB of RAM needs at least 42 physical address bits "
            "(2**40 bytes cannot hold its RAM, PCI holes and 64-bit PCI "
            "window). Set hw:maxphysaddr_bits to at least 42.",
            flavor(1536 * GiB_MB, mode='emulate', bits='40'))
        # Named after the key that set the bits: here the image's.
        with self.assertRaises(exception.MaxPhysAddrBitsTooSmall) as ctx:
            self.resolve(flavor(1536 * GiB_MB, mode='emulate'), image(bits=41))
        self.assertTrue(str(ctx.exception).startswith(
            'hw_maxphysaddr_bits=41 is too small'))
        self.assertIsInstance(ctx.exception,
                              exception.InvalidMaxPhysAddrRequest)
        self.assertEqual(
            hardware.MaxPhysAddrRequest('emulate', 42),
            self.resolve(flavor(1536 * GiB_MB, mode='emulate', bits='42')))

    def test_ram_beyond_what_qemu_can_address(self):
        self.assertRejected(
            exception.InvalidMaxPhysAddrRequest,
            'Invalid maxphysaddr request: a guest with 4398046511104 MiB of '
            'RAM needs 63 physical address bits, more than QEMU allows (52)',
            flavor(4 * 1024 * 1024 * TiB_MB, mode='emulate', bits='52'))


class SizingRuleTest(unittest.TestCase):
    """QEMU's q35 memory map (design.md section 3), by worked examples."""

    def test_worked_examples(self):
        for memory_mb, bits in ((GiB_MB, 36), (8 * GiB_MB, 36),
                                (1536 * GiB_MB, 42), (4 * TiB_MB, 43)):
            with self.subTest(memory_mb=memory_mb):
                self.assertEqual(
                    bits, hardware.get_min_maxphysaddr_bits(memory_mb))

    def test_intel_vendor_layout_needs_less_beyond_1012_gib(self):
        self.assertEqual(41, hardware.get_min_maxphysaddr_bits(
            1536 * GiB_MB, amd_vendor=False))
        self.assertEqual(42, hardware.get_min_maxphysaddr_bits(1536 * GiB_MB))

    def test_amd_relocation_counts_the_pci_window(self):
        # 1000 GiB of RAM ends below 1012 GiB, but with the 32 GiB 64-bit
        # PCI window the address space reaches the HyperTransport hole, so
        # an AMD-vendor guest's high RAM moves to 1 TiB.
        self.assertEqual((1024 + 998 + 32) * 1024 ** 3,
                         hardware.guest_address_space_end(1000 * GiB_MB))
        self.assertEqual(42, hardware.get_min_maxphysaddr_bits(1000 * GiB_MB))
        self.assertEqual(41, hardware.get_min_maxphysaddr_bits(
            1000 * GiB_MB, amd_vendor=False))

    def test_low_ram_split(self):
        gib = 1024 ** 3
        # Below 2.75 GiB everything is low RAM: only the PCI window above.
        self.assertEqual(36 * gib, hardware.guest_address_space_end(2815))
        # From 2.75 GiB, 2 GiB stay low and the rest starts at 4 GiB.
        self.assertEqual((4 + 1 + 32) * gib,
                         hardware.guest_address_space_end(2816))
        # The end of RAM is rounded up to 1 GiB before the window.
        self.assertEqual((4 + 7 + 32) * gib,
                         hardware.guest_address_space_end(8 * 1024 + 1))

    def test_32_bits_only_for_all_low_ram(self):
        # QEMU does not check a 32-bit guest; we allow it when no RAM would
        # sit above 4 GiB, and nothing between 33 and 35 fits any guest.
        self.assertTrue(hardware.maxphysaddr_bits_fit(GiB_MB, 32))
        for bits in (33, 34, 35):
            self.assertFalse(hardware.maxphysaddr_bits_fit(GiB_MB, bits))
        self.assertTrue(hardware.maxphysaddr_bits_fit(GiB_MB, 36))
        self.assertFalse(hardware.maxphysaddr_bits_fit(3 * GiB_MB, 32))

    def test_min_bits_always_fits_and_one_less_does_not(self):
        for memory_mb in (512, 2048, 2816, 64 * GiB_MB, 900 * GiB_MB,
                          1012 * GiB_MB, 2 * TiB_MB, 3 * TiB_MB,
                          1536 * GiB_MB + 1):
            for amd in (True, False):
                with self.subTest(memory_mb=memory_mb, amd=amd):
                    bits = hardware.get_min_maxphysaddr_bits(memory_mb, amd)
                    self.assertTrue(
                        hardware.maxphysaddr_bits_fit(memory_mb, bits, amd))
                    if bits - 1 > 32:
                        self.assertFalse(hardware.maxphysaddr_bits_fit(
                            memory_mb, bits - 1, amd))

    def test_default_40_bits_holds_under_a_tebibyte(self):
        # Why the feature exists: QEMU's default holds 900 GiB, not 1.5 TiB.
        self.assertTrue(hardware.maxphysaddr_bits_fit(
            900 * GiB_MB, hardware.QEMU_DEFAULT_PHYS_BITS))
        self.assertFalse(hardware.maxphysaddr_bits_fit(
            1536 * GiB_MB, hardware.QEMU_DEFAULT_PHYS_BITS))
