"""Assertions shared by the host filter tests."""

import unittest

from tests.unit.scheduler import fakes


class FilterTestCase(unittest.TestCase):
    """Checks reject_reason() and host_passes() agree on every verdict."""

    filter_class = None

    def setUp(self):
        self.filt = self.filter_class()

    def assertPasses(self, host, spec):
        self.assertIsNone(self.filt.reject_reason(host, spec))
        self.assertIs(True, self.filt.host_passes(host, spec))

    def assertRejects(self, host, spec, reason=None):
        got = self.filt.reject_reason(host, spec)
        self.assertIsInstance(got, str)
        if reason is not None:
            self.assertEqual(reason, got)
        self.assertIs(False, self.filt.host_passes(host, spec))
        return got


class MaxPhysAddrBitsChecks:
    """The width checks every filter applies, for its own source of bits.

    Mixed into a :class:`FilterTestCase` that sets ``bits_spec`` to the
    helper building a request for N bits (flavor or image).
    """

    bits_spec = None
    # memory_mb -> a passthrough request from the filter's own source.
    passthrough_spec = None

    def test_more_equal_fewer(self):
        spec = self.bits_spec(46)
        for as_json in (True, False):
            with self.subTest(as_json=as_json):
                self.assertPasses(fakes.host_with_bits(52, as_json), spec)
                self.assertPasses(fakes.host_with_bits(46, as_json), spec)
                self.assertRejects(
                    fakes.host_with_bits(45, as_json), spec,
                    'host has 45 physical address bits; the guest '
                    '(mode=emulate, bits=46) needs at least 46 bits')

    def test_unknown_width_fails_closed(self):
        spec = self.bits_spec(40)
        self.assertRejects(
            fakes.host_with_bits(fakes.NO_MAXPHYSADDR), spec,
            'host physical address width is unknown (cpu_info has no '
            'maxphysaddr); the guest (mode=emulate, bits=40) needs at least '
            '40 bits')
        for bits in fakes.JUNK_BITS:
            for as_json in (True, False):
                with self.subTest(bits=bits, as_json=as_json):
                    reason = self.assertRejects(
                        fakes.host_with_bits(bits, as_json), spec)
                    self.assertTrue(reason.startswith(
                        'host physical address width is unknown'))

    def test_passthrough_needs_a_width_that_holds_the_ram(self):
        small = self.passthrough_spec(2048)
        for bits in (36, 46, 52):
            self.assertPasses(fakes.host_with_bits(bits), small)
        # Nothing to compare: the required trait (and the driver) decide.
        self.assertPasses(fakes.host_with_bits(fakes.NO_MAXPHYSADDR), small)
        self.assertPasses(fakes.host_with_bits('abc'), small)
        large = self.passthrough_spec(1536 * 1024)
        self.assertPasses(fakes.host_with_bits(42), large)
        self.assertRejects(
            fakes.host_with_bits(41), large,
            'host has 41 physical address bits; the guest (mode=passthrough) '
            'would get them, too few for its 1572864 MiB of RAM (it needs at '
            'least 42)')
