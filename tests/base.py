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

"""The test case classes shared across the suite.

* :class:`ConfTestCase`: ``[libvirt]`` options set per test, all others back
  to their defaults;
* :class:`LibvirtTestCase`: plus the fake libvirt of
  :mod:`tests.fakelibvirt` as the connection;
* :class:`DriverTestCase`: plus a :class:`LibvirtDriver` on a host
  described by a capabilities fixture and versions;
* :class:`FilterTestCase`: ``reject_reason()`` and ``host_passes()`` agree
  on every verdict; :class:`MaxPhysAddrBitsChecks`, the width checks both
  filters share.
"""

from __future__ import annotations

import contextlib
import io
import sys
from typing import Any
import unittest
from unittest import mock

from nova.cli import app
import nova.conf
from nova.conf import libvirt as libvirt_conf
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import host as libvirt_host

from tests import fakelibvirt
from tests import fakes

CONF = nova.conf.CONF


class ConfTestCase(unittest.TestCase):

    def flags(self, **options: Any) -> None:
        """Set ``[libvirt]`` options; every other one back to its default
        (so that subtests do not inherit each other's)."""
        for opt in libvirt_conf.libvirt_opts:
            CONF.clear_override(opt.name, group='libvirt')
        for name, value in options.items():
            CONF.set_override(name, value, group='libvirt')
            self.addCleanup(CONF.clear_override, name, group='libvirt')


class LibvirtTestCase(ConfTestCase):
    """A fake libvirt (``self.conn``) and ``[libvirt]`` overrides."""

    def setUp(self) -> None:
        super().setUp()
        self.conn = fakelibvirt.use_fake_libvirt(self)


class DriverTestCase(LibvirtTestCase):

    def driver(self, caps: str = fakes.AMD_48, libversion: Any = 9000000,
               hv_version: Any = 7002000, hv_type: str = 'QEMU',
               **flags: Any) -> libvirt_driver.LibvirtDriver:
        """A driver on a host with these capabilities (a fixture name) and
        versions; ``flags`` are ``[libvirt]`` options."""
        self.flags(**flags)
        self.conn.capabilities = fakes.fixture(caps)
        self.conn.libversion = libversion
        self.conn.hv_version = hv_version
        self.conn.hv_type = hv_type
        return libvirt_driver.LibvirtDriver(libvirt_host.Host())


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


def run_cli(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    """Run ``nova-maxphysaddr ARGV`` in this process: (exit code, stdout,
    stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        if stdin is not None:
            stack.enter_context(mock.patch('sys.stdin', io.StringIO(stdin)))
        # cliff writes to the streams it was given at start.
        stack.enter_context(mock.patch.object(sys, 'stdout', out))
        try:
            rc = app.main(list(argv))
        except SystemExit as exc:
            rc = (exc.code if isinstance(exc.code, int)
                  else 0 if exc.code is None else 1)
    return rc, out.getvalue(), err.getvalue()
