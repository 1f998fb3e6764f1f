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

"""``nova-maxphysaddr check``: will this flavor (and image) be accepted by
Nova's API, boot, and land somewhere?"""

from __future__ import annotations

import argparse
from typing import Any

from nova.cli import common
from nova.cli import evaluate
from nova.cli import inputs
from nova import objects

FLAVOR_SOURCE_HELP = (
    'the flavor: a file of `openstack flavor show FLAVOR -f json` (or - for '
    'stdin); or give --ram (and --vcpus, --disk, --property) instead')


def add_flavor_arguments(parser: argparse.ArgumentParser) -> None:
    """A flavor and image, from exported JSON or from options."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--flavor', metavar='FILE', help=FLAVOR_SOURCE_HELP)
    source.add_argument(
        '--ram', type=common.parse_size_mb, metavar='SIZE',
        help='the flavor\'s RAM: MiB, or with a binary unit (64G, 1.5T)')
    parser.add_argument('--vcpus', type=common.positive_int, default=2,
                        help='the flavor\'s vCPUs (at least 1, as Nova '
                             'requires; with --ram)')
    parser.add_argument('--disk', type=common.non_negative_int, default=0,
                        help='the flavor\'s root disk in GiB (with --ram)')
    parser.add_argument('--flavor-name', default='large', metavar='NAME',
                        help='the flavor\'s name (with --ram)')
    parser.add_argument(
        '--property', type=common.key_value, action='append', default=[],
        metavar='KEY=VALUE',
        help='a flavor extra spec, e.g. hw:maxphysaddr_bits=42; with '
             '--flavor, added to (or replacing) the file\'s')
    parser.add_argument(
        '--image', metavar='FILE',
        help='the image: a file of `openstack image show IMAGE -f json`')
    parser.add_argument(
        '--image-property', type=common.key_value, action='append',
        default=[], metavar='KEY=VALUE',
        help='an image property, e.g. hw_maxphysaddr_mode=emulate; with '
             '--image, added to (or replacing) the file\'s')


def flavor_and_image(parsed_args: argparse.Namespace
                     ) -> tuple[objects.Flavor, dict[str, Any]]:
    if parsed_args.flavor is not None:
        flavors = inputs.load_flavors(parsed_args.flavor)
        if len(flavors) != 1:
            raise common.CommandError(
                '%s holds %d flavors; check takes one (audit takes a list)'
                % (parsed_args.flavor, len(flavors)))
        flavor = flavors[0]
        flavor.extra_specs = dict(flavor.extra_specs,
                                  **dict(parsed_args.property))
    else:
        flavor = objects.Flavor(
            name=parsed_args.flavor_name, memory_mb=parsed_args.ram,
            vcpus=parsed_args.vcpus, root_gb=parsed_args.disk,
            extra_specs=dict(parsed_args.property))
    image_props = (inputs.load_image_properties(parsed_args.image)
                   if parsed_args.image else {})
    image_props.update(parsed_args.image_property)
    return flavor, image_props


class Check(common.ShowOne):
    """Validate a flavor and image as Nova's API does, and judge the boot.

    Reads real exports (openstack flavor show / image show / hypervisor
    show -f json) or options.  Exit status: 0 it will boot; 1 it will, but
    look at the messages (keys this tool does not check, hosts whose traits
    are unknown, a passthrough flavor without hosts); 2 the API refuses it,
    or it cannot boot (QEMU would refuse its address space, or no given
    host can take it); 255 an input could not be read; 130 interrupted.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        add_flavor_arguments(parser)
        parser.add_argument(
            '--hypervisor', action='append', default=[], metavar='FILE',
            help='compute hosts: a file of `openstack hypervisor show HOST '
                 '-f json` (or a JSON list of them); repeatable')
        parser.add_argument(
            '--traits', metavar='FILE',
            help='the hosts\' resource provider traits, as {"HOST": '
                 '["TRAIT", ...]}')
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        flavor, image_props = flavor_and_image(parsed_args)
        hypervisors = (inputs.load_hypervisors(parsed_args.hypervisor,
                                               parsed_args.traits)
                       if parsed_args.hypervisor else None)
        report = evaluate.evaluate(flavor, image_props, hypervisors)
        self.exit_code = report.result.exit_code
        doc = report.as_dict()
        doc['extra_specs'] = dict(flavor.extra_specs)
        doc['image_properties'] = image_props
        return common.record(doc, parsed_args)
