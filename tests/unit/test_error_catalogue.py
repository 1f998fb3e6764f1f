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

"""The error catalogue (doc/source/reference/errors.rst) is complete and
true, and every exception's message is asserted where the code raises it.

A new class in nova/exception.py fails these tests until it has a section
in the catalogue, an example message there that its template really
renders, and a test in :class:`MessageTest` that makes the code raise it
and asserts the whole message.
"""

import inspect
import os
import re
import unittest
from unittest import mock
import uuid

from nova.api.validation.extra_specs import validators
from nova.demo import embedded
from nova.demo import qemu
from nova import exception
from nova.scheduler import filter_handler
from nova.virt import hardware
from nova.virt.libvirt import host as libvirt_host
from nova.virt.libvirt import xmlparse

from tests import base
from tests import fakelibvirt
from tests import fakes

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CATALOGUE = os.path.join(ROOT, 'doc', 'source', 'reference', 'errors.rst')

# The keyword arguments of each example message in the catalogue.
EXAMPLES = {
    'NovaException': {},
    'Invalid': {'reason': 'the request cannot work'},
    'ValidationError': {
        'key': 'hw:maxphysaddr_bits', 'value': '4_2',
        'reason': 'must be a decimal integer from 32 to 52'},
    'InvalidImageProperty': {
        'key': 'hw_maxphysaddr_mode', 'value': 'Emulate',
        'reason': "must be one of 'emulate', 'passthrough' (exact, lower "
                  "case)"},
    'FlavorImageConflict': {
        'setting': 'maxphysaddr bits', 'flavor_key': 'hw:maxphysaddr_bits',
        'flavor_val': 42, 'image_key': 'hw_maxphysaddr_bits',
        'image_val': 43},
    'InvalidMaxPhysAddrRequest': {
        'reason': 'hw:maxphysaddr_mode=emulate needs the width: set '
                  'hw:maxphysaddr_bits (flavor) or hw_maxphysaddr_bits '
                  '(image) to a decimal integer from 32 to 52'},
    'MaxPhysAddrBitsTooSmall': {
        'key': 'hw:maxphysaddr_bits', 'bits': 40, 'memory_mb': 1572864,
        'min_bits': 42},
    'InvalidHostCapabilities': {
        'reason': 'it has no <host><cpu><arch> element'},
    'InvalidHypervisorVersion': {
        'component': 'QEMU', 'version': '7.2.0',
        'reason': 'libvirt reports versions as a non-negative integer, '
                  'major * 1000000 + minor * 1000 + release'},
    'MaxPhysAddrUnsupported': {
        'host': 'compute1', 'request': 'mode=emulate, bits=42',
        'reason': 'host has 39 physical address bits; the guest '
                  '(mode=emulate, bits=42) needs at least 42 bits'},
    'MigrationPreCheckError': {'reason': 'the destination has no room'},
    'MaxPhysAddrMigrationError': {
        'host': 'compute2', 'request': 'mode=passthrough',
        'reason': 'would change the 46 physical address bits the running '
                  'guest sees on the source to 48: a passthrough guest sees '
                  "the host CPU's width, which must not change under it"},
    'InstanceBootFailed': {
        'name': 'instance-0000002a', 'action': 'start',
        'reason': 'internal error: qemu unexpectedly closed the monitor: '
                  'qemu-system-x86_64: Address space limit 0xffffffffff < '
                  '0x2877fffffff phys-bits too low (40)'},
    'EmbeddedQEMUUnavailable': {
        'reason': 'qemu-system-x86_64 not found (apt-get install '
                  'qemu-system-x86)'},
    'GuestIntrospectionFailed': {
        'what': 'QMP query-cpu-model-expansion', 'name': 'instance-0000002a',
        'reason': 'Requested operation is not valid: domain is not running'},
    'InvalidLibvirtXML': {
        'what': 'capabilities',
        'reason': 'documents with a DOCTYPE are refused (libvirt never '
                  'writes one, and a DTD can declare entities)'},
    'HypervisorUnavailable': {
        'uri': 'qemu:///system',
        'reason': "Failed to connect socket to "
                  "'/var/run/libvirt/libvirt-sock': No such file or "
                  "directory"},
    'InvalidConfiguration': {
        'group': 'libvirt', 'option': 'cpu_mode', 'value': 'custom',
        'reason': 'needs a CPU model: set [libvirt]cpu_models'},
    'InstanceTerminationFailure': {
        'name': 'instance-0000002a', 'reason': 'permission denied'},
    'SchedulerHostFilterNotFound': {
        'filter_name': 'RamFilter',
        'known': 'ComputeCapabilitiesFilter, ImagePropertiesFilter'},
}

# Where catalogue sections start: a class name in double backquotes,
# underlined.
SECTION = re.compile(r'^``(\w+)``\n[-~^]+$', re.M)


def defined_exceptions():
    return sorted(name for name, obj in vars(exception).items()
                  if inspect.isclass(obj) and
                  issubclass(obj, exception.NovaException) and
                  obj.__module__ == exception.__name__)


def normalise(text):
    return ' '.join(text.split())


def read_catalogue():
    with open(CATALOGUE) as f:
        return f.read()


class CatalogueTest(unittest.TestCase):

    def test_every_exception_has_a_section(self):
        sections = SECTION.findall(read_catalogue())
        self.assertEqual(defined_exceptions(), sorted(sections))
        self.assertEqual(len(sections), len(set(sections)),
                         'a class has two sections')

    def test_every_example_message_is_what_the_class_renders(self):
        self.assertEqual(defined_exceptions(), sorted(EXAMPLES))
        catalogue = normalise(read_catalogue())
        for name, kwargs in EXAMPLES.items():
            with self.subTest(exception=name):
                cls = getattr(exception, name)
                # No template mismatch: it would log and fall back.
                with self.assertNoLogs(exception.LOG.logger):
                    message = str(cls(**kwargs))
                self.assertTrue(normalise(message) in catalogue,
                                'not in the catalogue: %s' % message)

    def test_the_catalogue_says_where_and_what_to_do(self):
        catalogue = read_catalogue()
        starts = [(m.group(1), m.end()) for m in SECTION.finditer(catalogue)]
        ends = [start for _, start in starts[1:]] + [len(catalogue)]
        for (name, start), end in zip(starts, ends):
            with self.subTest(exception=name):
                section = catalogue[start:end]
                self.assertIn('Raised', section)
                self.assertIn('What to do', section)


def _raise(exc):
    raise exc


class MessageTest(base.DriverTestCase):
    """Each exception as the code raises it, with its whole message.

    The base classes (``NovaException``, ``Invalid``,
    ``MigrationPreCheckError``) are never raised as such: only their
    templates are checked.
    """

    # The classes whose message a test here asserted (see MessageTestsTest).
    asserted = set()

    def assertMessage(self, cls, message, func, *args, **kwargs):
        """``func(*args, **kwargs)`` raises exactly ``cls``, with exactly
        ``message``; returns the exception."""
        with self.assertRaises(cls) as ctx:
            func(*args, **kwargs)
        self.assertIs(cls, type(ctx.exception))
        self.assertEqual(message, str(ctx.exception))
        self.assertEqual(message, ctx.exception.format_message())
        self.asserted.add(cls.__name__)
        return ctx.exception

    def spawned(self, drv, name='instance-0000002a'):
        """An instance the driver has started, without maxphysaddr."""
        instance = fakes.instance(name, str(uuid.uuid4()))
        drv.spawn(instance, None, fakes.flavor())
        return instance

    # --- base classes ------------------------------------------------------

    def test_nova_exception(self):
        exc = self.assertMessage(
            exception.NovaException, 'An unknown exception occurred.',
            _raise, exception.NovaException())
        self.assertEqual((500, False), (exc.code, exc.reschedulable))

    def test_invalid(self):
        exc = self.assertMessage(
            exception.Invalid, 'Invalid request: the request cannot work',
            _raise, exception.Invalid(reason='the request cannot work'))
        self.assertEqual(400, exc.code)

    def test_migration_pre_check_error(self):
        exc = self.assertMessage(
            exception.MigrationPreCheckError,
            'Migration pre-check error: the destination has no room',
            _raise, exception.MigrationPreCheckError(
                reason='the destination has no room'))
        self.assertEqual(400, exc.code)

    # --- requests: flavor and image ----------------------------------------

    def test_validation_error(self):
        exc = self.assertMessage(
            exception.ValidationError,
            "Invalid extra spec hw:maxphysaddr_bits='4_2': must be a decimal "
            "integer from 32 to 52",
            validators.validate, 'hw:maxphysaddr_bits', '4_2')
        self.assertEqual(400, exc.code)

    def test_invalid_image_property(self):
        exc = self.assertMessage(
            exception.InvalidImageProperty,
            "Invalid image property hw_maxphysaddr_mode='Emulate': must be "
            "one of 'emulate', 'passthrough' (exact, lower case)",
            fakes.image, hw_maxphysaddr_mode='Emulate')
        self.assertIsInstance(exc, ValueError)

    def test_flavor_image_conflict(self):
        self.assertMessage(
            exception.FlavorImageConflict,
            "Conflicting maxphysaddr bits request: the flavor sets "
            "hw:maxphysaddr_bits=42 but the image sets "
            "hw_maxphysaddr_bits=43. Set it in one of them, or set the same "
            "value in both.",
            hardware.get_maxphysaddr_request, fakes.emulate(42),
            fakes.image(hw_maxphysaddr_bits=43))

    def test_invalid_max_phys_addr_request(self):
        self.assertMessage(
            exception.InvalidMaxPhysAddrRequest,
            'Invalid maxphysaddr request: hw:maxphysaddr_mode=emulate needs '
            'the width: set hw:maxphysaddr_bits (flavor) or '
            'hw_maxphysaddr_bits (image) to a decimal integer from 32 to 52',
            hardware.get_maxphysaddr_request,
            fakes.flavor(**{'hw:maxphysaddr_mode': 'emulate'}), None)
        self.assertMessage(
            exception.InvalidMaxPhysAddrRequest,
            "Invalid maxphysaddr request: hw:maxphysaddr_mode=emulate needs "
            "the guest's memory map, but its machine type is 'microvm'; the "
            "width rule knows q35 and pc (and their versioned types)",
            hardware.get_maxphysaddr_request, fakes.emulate(42),
            fakes.image(hw_machine_type='microvm'))

    def test_max_phys_addr_bits_too_small(self):
        self.assertMessage(
            exception.MaxPhysAddrBitsTooSmall,
            'hw:maxphysaddr_bits=40 is too small for this flavor: a guest '
            'with 1572864 MiB of RAM needs at least 42 physical address bits '
            '(2**40 bytes cannot hold its RAM, PCI holes and 64-bit PCI '
            'window). Set hw:maxphysaddr_bits to at least 42.',
            hardware.get_maxphysaddr_request,
            fakes.emulate(40, fakes.LARGE_MB), None)

    # --- compute: host capabilities and the libvirt driver ------------------

    def test_invalid_host_capabilities(self):
        self.conn.capabilities = '<capabilities><host><cpu/></host>' \
            '</capabilities>'
        self.assertMessage(
            exception.InvalidHostCapabilities,
            'Cannot use the host capabilities document: it has no '
            '<host><cpu><arch> element',
            libvirt_host.Host().get_capabilities)
        self.conn.capabilities = 'not xml'
        with self.assertRaises(exception.InvalidHostCapabilities) as ctx:
            libvirt_host.Host().get_capabilities()
        self.assertTrue(str(ctx.exception).startswith(
            'Cannot use the host capabilities document: Invalid libvirt XML '
            'for capabilities: '), str(ctx.exception))

    def test_invalid_hypervisor_version(self):
        self.conn.hv_version = '7.2.0'
        self.assertMessage(
            exception.InvalidHypervisorVersion,
            "Invalid QEMU version '7.2.0': libvirt reports versions as a "
            "non-negative integer, major * 1000000 + minor * 1000 + release",
            libvirt_host.Host().get_version)

    def test_max_phys_addr_unsupported(self):
        # The scheduler filters' wording (behaviour e).
        drv = self.driver(caps=fakes.INTEL_39)
        exc = self.assertMessage(
            exception.MaxPhysAddrUnsupported,
            "Host compute1 cannot honour the guest's maxphysaddr request "
            "(mode=emulate, bits=42): host has 39 physical address bits; the "
            "guest (mode=emulate, bits=42) needs at least 42 bits",
            drv.spawn, fakes.instance(), None, fakes.emulate(42))
        self.assertIs(True, exc.reschedulable)
        drv = self.driver()
        # Read on first use: a 41-bit host.
        self.conn.capabilities = fakelibvirt.host_capabilities_xml(
            maxphysaddr_bits=41)
        self.assertMessage(
            exception.MaxPhysAddrUnsupported,
            "Host compute1 cannot honour the guest's maxphysaddr request "
            "(mode=passthrough): host has 41 physical address bits; the "
            "guest (mode=passthrough) would get them, too few for its "
            "1572864 MiB of RAM (it needs at least 42)",
            drv.spawn, fakes.instance(), None,
            fakes.passthrough(fakes.LARGE_MB))
        self.assertEqual([], self.conn.defined)

    def test_max_phys_addr_migration_error(self):
        self.conn.hostname = 'compute2'
        drv = self.driver(caps=fakes.AMD_48)
        source = fakes.compute_node(fakes.cpu_info(46, mode='passthrough'))
        exc = self.assertMessage(
            exception.MaxPhysAddrMigrationError,
            "Cannot move the instance to host compute2: its maxphysaddr "
            "request (mode=passthrough) would change the 46 physical address "
            "bits the running guest sees on the source to 48: a passthrough "
            "guest sees the host CPU's width, which must not change under it",
            drv.check_can_live_migrate_destination,
            fakes.instance(flavor_=fakes.passthrough()), None, source)
        self.assertIsInstance(exc, exception.MigrationPreCheckError)

    def test_instance_boot_failed(self):
        drv = self.driver()
        self.conn.start_error = (
            'internal error: qemu unexpectedly closed the monitor: '
            'qemu-system-x86_64: Address space limit 0xffffffffff < '
            '0x2877fffffff phys-bits too low (40)')
        self.assertMessage(
            exception.InstanceBootFailed,
            'Guest instance-0000002a failed to start: internal error: qemu '
            'unexpectedly closed the monitor: qemu-system-x86_64: Address '
            'space limit 0xffffffffff < 0x2877fffffff phys-bits too low (40)',
            drv.spawn, fakes.instance('instance-0000002a'), None,
            fakes.flavor())
        # Nothing left behind.
        self.assertEqual([], self.conn.domains)

    def test_instance_termination_failure(self):
        drv = self.driver()
        instance = self.spawned(drv)
        self.conn.undefine_error = 'permission denied'
        self.assertMessage(
            exception.InstanceTerminationFailure,
            'Guest instance-0000002a could not be destroyed: permission '
            'denied', drv.destroy, instance)

    def test_invalid_configuration(self):
        drv = self.driver(cpu_mode='custom')
        self.assertMessage(
            exception.InvalidConfiguration,
            "Invalid configuration [libvirt]cpu_mode='custom': needs a CPU "
            "model: set [libvirt]cpu_models", drv.init_host, 'compute1')

    def test_hypervisor_unavailable(self):
        reason = ("Failed to connect socket to '/var/run/libvirt/"
                  "libvirt-sock': No such file or directory")
        with mock.patch.object(fakelibvirt, '_open_error', reason):
            self.assertMessage(
                exception.HypervisorUnavailable,
                'Cannot connect to the hypervisor at qemu:///system: ' +
                reason, libvirt_host.Host().get_connection)

    def test_invalid_libvirt_xml(self):
        self.assertMessage(
            exception.InvalidLibvirtXML,
            'Invalid libvirt XML for capabilities: documents with a DOCTYPE '
            'are refused (libvirt never writes one, and a DTD can declare '
            'entities)',
            xmlparse.parse_xml,
            '<!DOCTYPE capabilities [<!ENTITY e "x86_64">]>'
            '<capabilities><host><cpu><arch>&e;</arch></cpu></host>'
            '</capabilities>', 'capabilities')

    # --- real QEMU: the embedded driver and guest introspection ------------

    def test_embedded_qemu_unavailable(self):
        self.assertMessage(
            exception.EmbeddedQEMUUnavailable,
            "Cannot use libvirt's embedded QEMU driver: the root is not set "
            "up yet; call setup() first",
            getattr, embedded.EmbeddedQEMU(), 'uri')

    def test_guest_introspection_failed(self):
        # A guest this fake libvirt "runs" has no QEMU process.
        drv = self.driver()
        instance = self.spawned(drv)
        guest = qemu.QEMUGuest(drv.get_guest(instance))
        self.assertMessage(
            exception.GuestIntrospectionFailed,
            'Cannot read the QEMU process of guest instance-0000002a: no '
            'process has -uuid %s on its command line (is the guest running '
            'on this host?)' % instance.uuid, guest.get_qemu_cpu_arg)

    # --- scheduler -----------------------------------------------------------

    def test_scheduler_host_filter_not_found(self):
        self.assertMessage(
            exception.SchedulerHostFilterNotFound,
            "Unknown scheduler host filter 'RamFilter'; known filters: "
            "ComputeCapabilitiesFilter, ImagePropertiesFilter",
            filter_handler.get_filters, ['RamFilter'])


class MessageTestsTest(unittest.TestCase):

    def test_every_exception_has_a_test_that_asserts_its_message(self):
        # Run MessageTest and see which messages it really asserted.
        result = unittest.TestResult()
        with mock.patch.object(MessageTest, 'asserted', set()) as asserted:
            unittest.defaultTestLoader.loadTestsFromTestCase(
                MessageTest).run(result)
        self.assertEqual([], [(str(test), trace) for test, trace in
                              result.errors + result.failures])
        self.assertEqual([], result.skipped)
        self.assertEqual(defined_exceptions(), sorted(asserted))
