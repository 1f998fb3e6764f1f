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

"""ImageMetaProps: typed, validated properties, and backports to 1.0."""

import unittest

from nova import exception
from nova import objects
from nova.objects import image_meta

from tests import fakes

objects.register_all()


class FromDictTest(unittest.TestCase):

    def test_maxphysaddr_properties_are_typed(self):
        props = objects.ImageMetaProps.from_dict(
            {'hw_maxphysaddr_mode': 'emulate', 'hw_maxphysaddr_bits': '42'})
        self.assertEqual('emulate', props.hw_maxphysaddr_mode)
        self.assertEqual(42, props.hw_maxphysaddr_bits)
        props = objects.ImageMetaProps.from_dict({'hw_maxphysaddr_bits': 52})
        self.assertEqual(52, props.hw_maxphysaddr_bits)

    def test_unset_properties_read_as_none(self):
        props = objects.ImageMetaProps.from_dict({})
        self.assertIsNone(props.get('hw_maxphysaddr_mode'))
        self.assertEqual(7, props.get('hw_maxphysaddr_bits', 7))
        self.assertRaises(AttributeError, props.get, 'no_such_property')

    def test_bad_bits_rejected_with_the_api_message(self):
        for value in fakes.BAD_BITS:
            with self.subTest(value=value):
                with self.assertRaises(exception.InvalidImageProperty) as ctx:
                    objects.ImageMetaProps.from_dict(
                        {'hw_maxphysaddr_bits': value})
                self.assertEqual(
                    'Invalid image property hw_maxphysaddr_bits=%r: must be '
                    'a decimal integer from 32 to 52' % (value,),
                    str(ctx.exception).split(', not a')[0])

    def test_bad_modes_rejected(self):
        for value in fakes.BAD_MODES:
            with self.subTest(value=value):
                with self.assertRaises(exception.InvalidImageProperty) as ctx:
                    objects.ImageMetaProps.from_dict(
                        {'hw_maxphysaddr_mode': value})
                self.assertIn("hw_maxphysaddr_mode=%r" % (value,),
                              str(ctx.exception))
                self.assertIn("'emulate', 'passthrough'", str(ctx.exception))

    def test_errors_are_value_errors_as_nova_api_expects(self):
        # Nova's compute API turns a ValueError from from_dict into a 400.
        self.assertTrue(issubclass(exception.InvalidImageProperty,
                                   ValueError))
        for props in ({'hw_maxphysaddr_bits': '-1'},
                      {'hw_maxphysaddr_mode': 'Emulate'}, ['not', 'a', 'map'],
                      {42: 'x'}):
            with self.subTest(props=props):
                with self.assertRaises(ValueError) as ctx:
                    objects.ImageMetaProps.from_dict(props)
                self.assertIsInstance(ctx.exception,
                                      exception.InvalidImageProperty)

    def test_direct_assignment_is_validated_too(self):
        props = objects.ImageMetaProps()
        self.assertRaises(ValueError, setattr, props, 'hw_maxphysaddr_bits',
                          ' 42')
        self.assertRaises(ValueError, setattr, props, 'hw_maxphysaddr_mode',
                          'Emulate')

    def test_misspelt_maxphysaddr_property_is_not_ignored(self):
        with self.assertRaises(exception.InvalidImageProperty) as ctx:
            objects.ImageMetaProps.from_dict({'hw_maxphysaddr_bit': '42'})
        self.assertIn('hw_maxphysaddr_bit=', str(ctx.exception))
        self.assertIn('hw_maxphysaddr_mode and hw_maxphysaddr_bits',
                      str(ctx.exception))

    def test_unknown_free_form_properties_are_ignored(self):
        props = objects.ImageMetaProps.from_dict({'owner_note': 'x'})
        self.assertEqual({}, props.obj_get_changes())

    def test_other_properties(self):
        props = objects.ImageMetaProps.from_dict({
            'hw_architecture': 'AMD64', 'img_hv_type': 'QEMU',
            'hw_vm_mode': 'HVM', 'hw_pmu': 'false',
            'hw_cpu_policy': 'dedicated', 'hw_cpu_sockets': '2'})
        self.assertEqual('x86_64', props.hw_architecture)
        self.assertEqual('qemu', props.img_hv_type)
        self.assertEqual('hvm', props.hw_vm_mode)
        self.assertIs(False, props.hw_pmu)
        self.assertEqual(2, props.hw_cpu_sockets)
        for key, value in (('hw_architecture', 'sparc9'),
                           ('hw_pmu', 'perhaps'), ('hw_vm_mode', 3),
                           ('hw_cpu_policy', 'Dedicated')):
            with self.subTest(key=key):
                with self.assertRaises(exception.InvalidImageProperty) as ctx:
                    objects.ImageMetaProps.from_dict({key: value})
                self.assertIn(key, str(ctx.exception))

    def test_image_meta_from_dict(self):
        meta = objects.ImageMeta.from_dict({
            'id': 'a2459075-d96c-40d5-893e-577ff92e721c', 'name': 'cirros',
            'min_ram': 0, 'ignored_field': 1,
            'properties': {'hw_maxphysaddr_mode': 'passthrough'}})
        self.assertEqual('cirros', meta.name)
        self.assertEqual('passthrough', meta.properties.hw_maxphysaddr_mode)


class CompatibilityTest(unittest.TestCase):

    def _props(self):
        return objects.ImageMetaProps.from_dict({
            'hw_architecture': 'x86_64', 'hw_maxphysaddr_mode': 'emulate',
            'hw_maxphysaddr_bits': 42})

    def test_backport_to_1_0_drops_both_fields(self):
        primitive = self._props().obj_to_primitive(target_version='1.0')
        data = primitive['nova_object.data']
        self.assertEqual('1.0', primitive['nova_object.version'])
        self.assertEqual({'hw_architecture': 'x86_64'}, data)

    def test_current_version_keeps_them(self):
        data = self._props().obj_to_primitive()['nova_object.data']
        self.assertEqual('emulate', data['hw_maxphysaddr_mode'])
        self.assertEqual(42, data['hw_maxphysaddr_bits'])

    def test_1_0_primitive_loads(self):
        primitive = {
            'nova_object.name': 'ImageMetaProps',
            'nova_object.namespace': 'nova',
            'nova_object.version': '1.0',
            'nova_object.data': {'hw_architecture': 'x86_64'},
        }
        props = objects.ImageMetaProps.obj_from_primitive(primitive)
        self.assertEqual('x86_64', props.hw_architecture)
        self.assertIsNone(props.get('hw_maxphysaddr_mode'))

    def test_added_fields_are_all_listed_for_backport(self):
        # A field added later but missing here would leak to old services.
        v10_fields = {'hw_architecture', 'img_hv_type',
                      'img_hv_requested_version', 'hw_vm_mode',
                      'hw_machine_type', 'hw_cpu_policy',
                      'hw_cpu_thread_policy', 'hw_cpu_sockets',
                      'hw_cpu_cores', 'hw_cpu_threads', 'hw_pmu', 'os_distro'}
        self.assertEqual(
            set(objects.ImageMetaProps.fields) - v10_fields,
            set(image_meta.ImageMetaProps._ADDED_IN))


class FlavorTest(unittest.TestCase):

    def test_defaults(self):
        flavor = objects.Flavor(memory_mb=1024, vcpus=1)
        self.assertEqual({}, flavor.extra_specs)
        self.assertEqual(0, flavor.root_gb)

    def test_extra_spec_values_are_kept_for_the_validators(self):
        flavor = objects.Flavor(memory_mb=1024, vcpus=1,
                                extra_specs={'hw:maxphysaddr_bits': None})
        self.assertIsNone(flavor.extra_specs['hw:maxphysaddr_bits'])


class HostilePropertiesTest(unittest.TestCase):

    def test_counts_are_parsed_as_strictly_as_the_api(self):
        for value in (None, [1], '4_2', '\uff14', 2.7, ' 4', True, -1):
            with self.subTest(value=value):
                with self.assertRaises(exception.InvalidImageProperty) as ctx:
                    objects.ImageMetaProps.from_dict(
                        {'hw_cpu_sockets': value})
                self.assertIn('hw_cpu_sockets=%r' % (value,),
                              str(ctx.exception))
        self.assertEqual(4, objects.ImageMetaProps.from_dict(
            {'hw_cpu_sockets': '4'}).hw_cpu_sockets)

    def test_properties_must_be_an_object_with_string_names(self):
        for props, key in ((['hw_pmu'], 'properties'),
                           ('hw_pmu=true', 'properties'),
                           ({1: 'x'}, '1')):
            with self.subTest(props=props):
                with self.assertRaises(exception.InvalidImageProperty) as ctx:
                    objects.ImageMetaProps.from_dict(props)
                self.assertTrue(str(ctx.exception).startswith(
                    'Invalid image property %s=' % key), str(ctx.exception))
