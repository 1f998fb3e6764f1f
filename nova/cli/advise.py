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

"""``nova-maxphysaddr advise``: the width to set for a flavor's RAM (and its
devices' 64-bit BARs), and the command that sets it."""

from __future__ import annotations

import argparse
from typing import Any

from nova_maxphysaddr.rules import sizing
from nova_maxphysaddr.rules import values

from nova.cli import common
from nova.virt import hardware


class Advise(common.ShowOne):
    """The minimum hw:maxphysaddr_bits for a RAM size, and how to set it.

    Never advises below QEMU's default of 40 bits (that only shrinks the
    guest's address space) unless --below-default is given.  Exit status 2
    when no width QEMU supports holds the guest.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--ram', type=common.parse_size_mb, required=True,
            metavar='SIZE', help='the flavor\'s RAM: MiB, or with a binary '
            'unit (64G, 1.5T, 1536GiB)')
        parser.add_argument(
            '--pci-mmio64', type=common.parse_size_mb, default=0,
            metavar='SIZE', help='the 64-bit BAR space of the flavor\'s PCI '
            'devices (pci_passthrough:alias), e.g. 512G for four GPUs with '
            '128 GiB BARs: the 64-bit PCI window must hold them')
        parser.add_argument(
            '--machine-type', metavar='TYPE',
            help='the guest\'s machine type (q35, pc, pc-q35-8.2, ...); '
            'default: what the driver gives x86_64 guests '
            '([libvirt]hw_machine_type, else pc)')
        parser.add_argument(
            '--below-default', action='store_true',
            help='advise the minimum even when it is below QEMU\'s default '
            'of %d bits' % values.QEMU_DEFAULT_BITS)
        parser.add_argument(
            '--flavor', default='FLAVOR', metavar='NAME',
            help='the flavor name to put in the command')
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        machine_type = (parsed_args.machine_type or
                        hardware.get_machine_type(None))
        layout = sizing.GuestLayout(parsed_args.ram, machine_type,
                                    parsed_args.pci_mmio64)
        if not layout.families:
            raise common.CommandError(
                '--machine-type %s: the width rule knows %s (and their '
                'versioned types)' % (machine_type, ' and '.join(
                    f.name for f in sizing.FAMILIES)))
        end = sizing.address_space_end(layout)
        bits = sizing.advised_bits(layout, parsed_args.below_default)
        default_fits = sizing.qemu_default_fits(layout)
        verdict = common.Verdict()
        commands = []
        if bits > values.BITS_MAX:
            verdict.add(common.FAILURE, 'no width QEMU supports (up to %d '
                        'bits) holds this guest' % values.BITS_MAX)
        elif default_fits and not parsed_args.below_default:
            verdict.messages.append(
                "QEMU's default of %d bits already holds it: nothing to set"
                % values.QEMU_DEFAULT_BITS)
        else:
            commands.append(
                'openstack flavor set %s --property %s=emulate --property '
                '%s=%d' % (parsed_args.flavor, values.FLAVOR_MODE_KEY,
                           values.FLAVOR_BITS_KEY, bits))
        self.exit_code = verdict.exit_code
        return common.record({
            'memory_mb': parsed_args.ram,
            'pci_mmio64_mb': parsed_args.pci_mmio64,
            'machine_type': machine_type,
            'address_space_end': '%#x' % end,
            'min_bits': sizing.min_bits(layout),
            'min_bits_intel_vendor': sizing.min_bits(layout,
                                                     amd_vendor=False),
            'default_bits': values.QEMU_DEFAULT_BITS,
            'default_suffices': default_fits,
            'advised_bits': bits if commands else None,
            'commands': commands,
            'verdict': verdict.verdict,
            'messages': verdict.messages,
        }, parsed_args)
