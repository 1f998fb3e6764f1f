"""Shared set-up for the libvirt driver's unit tests."""

import unittest

import nova.conf
from nova.conf import libvirt as libvirt_conf
from tests.unit.virt.libvirt import fakelibvirt

CONF = nova.conf.CONF


class LibvirtTestCase(unittest.TestCase):
    """A fake libvirt (``self.conn``) and ``[libvirt]`` overrides."""

    def setUp(self):
        super().setUp()
        self.conn = fakelibvirt.use_fake_libvirt(self)

    def flags(self, **options):
        """Set ``[libvirt]`` options; every other one back to its default
        (so that subtests do not inherit each other's)."""
        for opt in libvirt_conf.libvirt_opts:
            CONF.clear_override(opt.name, group='libvirt')
        for name, value in options.items():
            CONF.set_override(name, value, group='libvirt')
            self.addCleanup(CONF.clear_override, name, group='libvirt')
