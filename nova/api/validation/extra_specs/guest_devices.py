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

"""Validators for Nova 34's small guest-device namespaces: ``hw_rng``,
``hw_video``, ``os`` and ``pci_passthrough`` (names and value rules as in
Nova)."""

from __future__ import annotations

from nova.api.validation.extra_specs import base

# 'alias:count[, alias:count...]'
PCI_ALIAS_PATTERN = r'[^:]+:\d+(?:\s*,\s*[^:]+:\d+)*'


def register() -> list[base.ExtraSpecValidator]:
    return [
        base.ExtraSpecValidator(
            name='hw_rng:allowed',
            description='Whether images may ask for a random number '
                        'generator.',
            value={'type': bool}),
        base.ExtraSpecValidator(
            name='hw_rng:rate_bytes',
            description='Bytes the guest may read from the RNG per period.',
            value={'type': int, 'min': 0}),
        base.ExtraSpecValidator(
            name='hw_rng:rate_period',
            description='The RNG rate period, in milliseconds.',
            value={'type': int, 'min': 0}),
        base.ExtraSpecValidator(
            name='hw_video:ram_max_mb',
            description='Most video RAM an image may ask for, in MiB.',
            value={'type': int, 'min': 0}),
        base.ExtraSpecValidator(
            name='os:secure_boot',
            description='Whether the guest boots with UEFI secure boot.',
            value={'type': str, 'enum': ['disabled', 'required']}),
        base.ExtraSpecValidator(
            name='pci_passthrough:alias',
            description='PCI devices to pass through, as '
                        '``alias:count[,alias:count...]`` of '
                        '``[pci]alias`` names. Devices with large 64-bit '
                        'BARs (GPUs) need address space too: '
                        '``nova-maxphysaddr advise --pci-mmio64``.',
            value={'type': str, 'pattern': PCI_ALIAS_PATTERN}),
    ]
