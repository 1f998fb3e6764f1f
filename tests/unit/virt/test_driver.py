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

"""ComputeDriver: the capability -> trait map."""

import unittest

import os_traits

from nova.virt import driver


class CapabilityTraitsTest(unittest.TestCase):

    def test_map_uses_os_traits_names(self):
        self.assertEqual({
            'supports_address_space_passthrough':
                'COMPUTE_ADDRESS_SPACE_PASSTHROUGH',
            'supports_address_space_emulated':
                'COMPUTE_ADDRESS_SPACE_EMULATED',
        }, driver.CAPABILITY_TRAITS_MAP)
        for trait in driver.CAPABILITY_TRAITS_MAP.values():
            self.assertIn(trait, os_traits.get_traits('COMPUTE_'))

    def test_base_driver_has_no_capability(self):
        self.assertEqual(
            {os_traits.COMPUTE_ADDRESS_SPACE_PASSTHROUGH: False,
             os_traits.COMPUTE_ADDRESS_SPACE_EMULATED: False},
            driver.ComputeDriver().capabilities_as_traits())

    def test_each_capability_maps_to_its_own_trait(self):
        class Driver(driver.ComputeDriver):
            capabilities = {'supports_address_space_emulated': True,
                            'supports_address_space_passthrough': False,
                            'unrelated': True}

        self.assertEqual(
            {os_traits.COMPUTE_ADDRESS_SPACE_PASSTHROUGH: False,
             os_traits.COMPUTE_ADDRESS_SPACE_EMULATED: True},
            Driver().capabilities_as_traits())

    def test_missing_capability_is_false(self):
        class Driver(driver.ComputeDriver):
            capabilities = {'supports_address_space_passthrough': True}

        self.assertEqual(
            {os_traits.COMPUTE_ADDRESS_SPACE_PASSTHROUGH: True,
             os_traits.COMPUTE_ADDRESS_SPACE_EMULATED: False},
            Driver().capabilities_as_traits())

    def test_interface_methods_are_abstract(self):
        drv = driver.ComputeDriver()
        for call in (lambda: drv.init_host('h'),
                     drv.get_available_resource,
                     lambda: drv.spawn(None, None, None),
                     lambda: drv.destroy(None)):
            with self.assertRaises(NotImplementedError):
                call()
