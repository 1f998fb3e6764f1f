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

"""Object versions and hashes are pinned: field changes need a bump."""

import unittest

from oslo_versionedobjects import fixture

from nova import objects
from nova.objects import base

objects.register_all()

# When a test below fails because you changed an object's fields, bump the
# object's VERSION, add a line to its version history, teach
# obj_make_compatible to backport, and only then update the hash here.
OBJECT_DATA = {
    'Flavor': '1.0-b8a6e839f642652bcb88a57d49968fe6',
    'ImageMeta': '1.0-49d8e5ff6b2ba1b1a69caccec24e841a',
    'ImageMetaProps': '1.1-e4b021f501bdb05a736e17a8a060f1a0',
    'Instance': '1.0-55b88bd48245bf7a5dd82956093bb229',
    'RequestSpec': '1.0-6ebea91c1e151c941a6b6bddd3897697',
}

OBJECT_TREE = {
    'ImageMeta': {'ImageMetaProps': '1.1'},
    'Instance': {'Flavor': '1.0'},
    'RequestSpec': {'Flavor': '1.0', 'ImageMeta': '1.0'},
}


class ObjectVersionsTest(unittest.TestCase):

    def setUp(self):
        self.checker = fixture.ObjectVersionChecker(
            base.NovaObjectRegistry.obj_classes())

    def test_versions(self):
        expected, actual = self.checker.test_hashes(OBJECT_DATA)
        self.assertEqual(expected, actual,
                         'Some objects changed fields without a version bump')

    def test_relationships(self):
        self.assertEqual(OBJECT_TREE, self.checker.get_dependency_tree())

    def test_registered_objects_are_published_on_the_package(self):
        for name in OBJECT_DATA:
            self.assertIs(base.NovaObjectRegistry.obj_classes()[name][0],
                          getattr(objects, name))
