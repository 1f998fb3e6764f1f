"""Assertions shared by the host filter tests."""

import unittest


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
