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

"""Mixed versions: objects backported for services that know only
``ImageMetaProps`` 1.0, and what a guest built from them gets.

During a rolling upgrade the RPC version is pinned to the oldest service's,
so a ``RequestSpec`` travels with its ``ImageMetaProps`` backported to 1.0:
the two maxphysaddr image properties are dropped on the way.  Flavor extra
specs are untouched (``Flavor`` did not change).
"""

from nova import objects
from nova.virt import hardware

from tests import base
from tests import fakes

objects.register_all()

# What a service that predates the feature knows: every object at 1.0.
PREVIOUS_VERSIONS = {'RequestSpec': '1.0', 'Flavor': '1.0',
                     'ImageMeta': '1.0', 'ImageMetaProps': '1.0',
                     'Instance': '1.0'}
IMAGE_PROPS = {'hw_architecture': 'x86_64', 'hw_maxphysaddr_mode': 'emulate',
               'hw_maxphysaddr_bits': 42}
EMULATE_42 = {'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': '42'}


def over_pinned_rpc(spec):
    """The spec as a service pinned to the previous version receives it."""
    primitive = spec.obj_to_primitive(
        target_version=PREVIOUS_VERSIONS['RequestSpec'],
        version_manifest=PREVIOUS_VERSIONS)
    return primitive, objects.RequestSpec.obj_from_primitive(primitive)


def props_primitive(primitive):
    return primitive['nova_object.data']['image']['nova_object.data'][
        'properties']


class BackportTest(base.DriverTestCase):

    def test_both_image_fields_are_dropped(self):
        primitive, _ = over_pinned_rpc(fakes.spec(image_props=IMAGE_PROPS))
        props = props_primitive(primitive)
        self.assertEqual('1.0', props['nova_object.version'])
        self.assertEqual({'hw_architecture': 'x86_64'},
                         props['nova_object.data'])

    def test_received_object_has_no_request_and_no_stale_changes(self):
        _, received = over_pinned_rpc(fakes.spec(image_props=IMAGE_PROPS))
        props = received.image.properties
        self.assertIsNone(props.get('hw_maxphysaddr_mode'))
        self.assertIsNone(props.get('hw_maxphysaddr_bits'))
        self.assertIsNone(hardware.get_maxphysaddr_request(received.flavor,
                                                           received.image))
        # oslo.versionedobjects leaves the dropped fields in the child's
        # list of changes; a service that knows them must not try to load
        # them (it raised NotImplementedError on every save).
        self.assertEqual({'hw_architecture': 'x86_64'},
                         props.obj_get_changes())
        again = received.obj_to_primitive()
        self.assertEqual(received.image.properties.hw_architecture,
                         props_primitive(again)['nova_object.data'][
                             'hw_architecture'])

    def guest_maxphysaddr(self, spec):
        # As spawn builds it: resolve and check once, then build.
        drv = self.driver(caps=fakes.AMD_48)
        request = drv._resolve_and_check(spec.flavor, spec.image)
        guest = drv._get_guest_config(fakes.instance('instance-1'),
                                      spec.image, spec.flavor, request)
        return fakes.maxphysaddr_of(guest.to_xml())

    def test_guest_built_from_the_backport_gets_no_maxphysaddr(self):
        spec = fakes.spec(image_props=IMAGE_PROPS)
        self.assertEqual({'mode': 'emulate', 'bits': '42'},
                         self.guest_maxphysaddr(spec))
        _, received = over_pinned_rpc(spec)
        self.assertIsNone(self.guest_maxphysaddr(received))

    def test_flavor_extra_specs_survive(self):
        _, received = over_pinned_rpc(fakes.spec(EMULATE_42, IMAGE_PROPS))
        self.assertEqual({'mode': 'emulate', 'bits': '42'},
                         self.guest_maxphysaddr(received))


class PreviousVersionPrimitiveTest(base.LibvirtTestCase):

    def test_request_spec_from_a_previous_version_service_loads(self):
        # Written by hand, as a service that predates the feature sends it.
        primitive = {
            'nova_object.name': 'RequestSpec',
            'nova_object.namespace': 'nova',
            'nova_object.version': '1.0',
            'nova_object.data': {
                'num_instances': 1,
                'flavor': {
                    'nova_object.name': 'Flavor',
                    'nova_object.namespace': 'nova',
                    'nova_object.version': '1.0',
                    'nova_object.data': {'memory_mb': 2048, 'vcpus': 2,
                                         'extra_specs': EMULATE_42},
                },
                'image': {
                    'nova_object.name': 'ImageMeta',
                    'nova_object.namespace': 'nova',
                    'nova_object.version': '1.0',
                    'nova_object.data': {'properties': {
                        'nova_object.name': 'ImageMetaProps',
                        'nova_object.namespace': 'nova',
                        'nova_object.version': '1.0',
                        'nova_object.data': {'hw_architecture': 'x86_64'},
                        'nova_object.changes': ['hw_architecture'],
                    }},
                },
            },
        }
        spec = objects.RequestSpec.obj_from_primitive(primitive)
        self.assertEqual('1.0', spec.image.properties.VERSION)
        self.assertEqual(
            hardware.MaxPhysAddrRequest('emulate', 42),
            hardware.get_maxphysaddr_request(spec.flavor, spec.image))
