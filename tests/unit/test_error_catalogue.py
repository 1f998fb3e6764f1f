"""The error catalogue (doc/source/reference/errors.rst) is complete and
true, and every exception has a test that asserts its message.

A new class in nova/exception.py fails these tests until it has a section
in the catalogue, an example message there that its template really
renders, and an entry below naming a test that checks its message.
"""

import ast
import importlib
import inspect
import os
import re
import textwrap
import unittest

from nova import exception

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
        'reason': "bits=42 is more than the host CPU's 39 physical address "
                  "bits"},
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

# A test that asserts each class's message: "module:Class.method".
MESSAGE_TESTS = {
    'NovaException':
        'tests.unit.test_exception:NovaExceptionTest.test_default_message',
    'Invalid':
        'tests.unit.test_exception:NovaExceptionTest.test_invalid_message',
    'ValidationError':
        'tests.unit.api.test_extra_specs:MaxPhysAddrValidatorsTest.'
        'test_bad_bits_values_are_rejected_with_key_value_and_range',
    'InvalidImageProperty':
        'tests.unit.objects.test_image_meta:FromDictTest.'
        'test_bad_bits_rejected_with_the_api_message',
    'FlavorImageConflict':
        'tests.unit.virt.libvirt.test_migration:ResizeTest.'
        'test_new_flavor_goes_through_the_resolver',
    'InvalidMaxPhysAddrRequest':
        'tests.unit.virt.test_hardware:ResolverTest.'
        'test_width_only_for_x86_images',
    'MaxPhysAddrBitsTooSmall':
        'tests.unit.virt.test_hardware:ResolverTest.'
        'test_bits_too_small_for_the_flavor_ram',
    'InvalidHostCapabilities':
        'tests.unit.virt.libvirt.test_host:CapabilitiesTest.'
        'test_unusable_documents',
    'InvalidHypervisorVersion':
        'tests.unit.virt.libvirt.test_host:VersionTest.test_junk_versions',
    'MaxPhysAddrUnsupported':
        'tests.unit.virt.libvirt.test_driver:SpawnTest.'
        'test_bits_above_the_hosts_width',
    'MigrationPreCheckError':
        'tests.unit.test_exception:NovaExceptionTest.'
        'test_migration_pre_check_error_message',
    'MaxPhysAddrMigrationError':
        'tests.unit.virt.libvirt.test_migration:LiveMigrationTest.'
        'test_passthrough_width_must_not_change',
    'InstanceBootFailed':
        'tests.unit.virt.libvirt.test_driver:SpawnTest.'
        'test_qemu_refuses_to_start',
    'EmbeddedQEMUUnavailable':
        'tests.unit.virt.libvirt.test_embedded:SetupTest.'
        'test_uri_before_setup_is_an_error',
    'GuestIntrospectionFailed':
        'tests.unit.virt.libvirt.test_guest:QMPTest.test_libvirt_error',
    'InvalidLibvirtXML':
        'tests.unit.virt.libvirt.test_config:HostileInputTest.'
        'test_wrong_root_element',
    'HypervisorUnavailable':
        'tests.unit.virt.libvirt.test_host:ConnectionTest.test_open_failure',
    'InvalidConfiguration':
        'tests.unit.virt.libvirt.test_driver:ConfigurationTest.'
        'test_invalid_combinations',
    'InstanceTerminationFailure':
        'tests.unit.virt.libvirt.test_driver:DestroyTest.test_failure',
    'SchedulerHostFilterNotFound':
        'tests.unit.scheduler.test_filter_handler:GetFiltersTest.'
        'test_unknown_name',
}

# How a test looks at a message: the string of the exception, compared.
MESSAGE_CHECK = re.compile(
    r'str\((ctx\.)?exc(eption)?\)|format_message\(\)|assertRaisesRegex')
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


def method_and_helpers(cls, method_name):
    """The test's source, and that of the ``self.assert*`` helpers it
    calls (where the message comparison often lives)."""
    sources = [textwrap.dedent(inspect.getsource(getattr(cls, method_name)))]
    calls = {node.func.attr for node in ast.walk(ast.parse(sources[0]))
             if isinstance(node, ast.Call) and
             isinstance(node.func, ast.Attribute) and
             isinstance(node.func.value, ast.Name) and
             node.func.value.id == 'self'}
    for name in sorted(calls):
        helper = getattr(cls, name, None)
        if name.startswith('assert') and inspect.isfunction(helper) and \
                not helper.__module__.startswith('unittest'):
            sources.append(inspect.getsource(helper))
    return sources


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


class MessageTestsTest(unittest.TestCase):

    def test_every_exception_has_a_test_that_asserts_its_message(self):
        self.assertEqual(defined_exceptions(), sorted(MESSAGE_TESTS))
        for name, target in MESSAGE_TESTS.items():
            with self.subTest(exception=name, test=target):
                module_name, _, qualname = target.partition(':')
                class_name, method_name = qualname.split('.')
                cls = getattr(importlib.import_module(module_name),
                              class_name)
                sources = method_and_helpers(cls, method_name)
                self.assertTrue(
                    any(re.search(r'\b%s\b' % name, s) for s in sources),
                    'the test does not name the exception')
                self.assertTrue(
                    any(MESSAGE_CHECK.search(s) for s in sources),
                    'the test does not compare the message')
