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

"""``nova-maxphysaddr audit``: every flavor of a cloud against every host."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any

from nova_maxphysaddr.rules import values

from nova.cli import common
from nova.cli import evaluate
from nova.cli import inputs

FLAVOR_COLUMNS = ('flavor', 'memory_mb', 'maxphysaddr', 'min_bits',
                  'verdict', 'lands_on', 'messages', 'fix')
HOST_COLUMNS = ('host', 'physical_address_bits', 'address_space_traits',
                'flavors')


class Audit(common.Lister):
    """Which flavors will not boot, and the commands that fix them.

    Also where the others can land, host by host.

    Reads `openstack flavor list --long -f json` and `openstack hypervisor
    show HOST -f json` (one file per host, or a JSON list).  A flavor fails
    when its RAM is beyond QEMU's default 40 bits without hw:maxphysaddr_*,
    when it asks for more bits than any host has, when no host has the
    trait its mode needs, or when the API refuses it.  --hosts lists the
    hosts by width instead.  Exit status: the worst flavor's (0, 1, 2);
    255 when an input cannot be read or lacks what the audit needs (a
    hypervisor export without cpu_info); 130 interrupted.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--flavors', required=True, metavar='FILE',
            help='`openstack flavor list --long -f json` (or - for stdin)')
        parser.add_argument(
            '--hypervisor', action='append', required=True, metavar='FILE',
            help='`openstack hypervisor show HOST -f json`, or a JSON list '
                 'of them; repeatable')
        parser.add_argument(
            '--traits', metavar='FILE',
            help='the hosts\' resource provider traits, as {"HOST": '
                 '["TRAIT", ...]}; without them, passthrough flavors cannot '
                 'be placed for sure')
        parser.add_argument(
            '--image', metavar='FILE',
            help='judge every flavor with this image (`openstack image '
                 'show IMAGE -f json`)')
        parser.add_argument('--hosts', action='store_true',
                            help='list the hosts by width, with the flavors '
                                 'each can take')
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], Iterable[tuple[Any, ...]]]:
        flavors = inputs.load_flavors(parsed_args.flavors)
        hypervisors = inputs.load_hypervisors(parsed_args.hypervisor,
                                              parsed_args.traits)
        image_props = (inputs.load_image_properties(parsed_args.image)
                       if parsed_args.image else {})
        reports = [evaluate.evaluate(f, image_props, hypervisors)
                   for f in flavors]
        self.exit_code = common.Verdict(common.worst(
            [r.result.verdict for r in reports])).exit_code
        fmt = parsed_args.formatter
        if parsed_args.hosts:
            return HOST_COLUMNS, self._hosts(hypervisors, reports, fmt)
        rows = []
        for report in reports:
            doc = report.as_dict()
            rows.append(tuple(common.displayed(doc[c], fmt)
                              for c in FLAVOR_COLUMNS))
        return FLAVOR_COLUMNS, rows

    @staticmethod
    def _hosts(hypervisors: list[inputs.Hypervisor],
               reports: list[evaluate.FlavorReport], fmt: str
               ) -> list[tuple[Any, ...]]:
        rows = []
        for hypervisor in hypervisors:
            state = evaluate.host_state(hypervisor)
            takes = [r.flavor for r in reports
                     if r.lands_on and hypervisor.name in r.lands_on]
            rows.append((
                hypervisor.name,
                state.maxphysaddr_bits if state.maxphysaddr_bits is not None
                else 'unknown (%s)' % state.maxphysaddr_unknown_reason,
                common.displayed(sorted(
                    t for t in hypervisor.traits
                    if t in values.MODE_TRAITS.values())
                    if hypervisor.traits is not None else 'not given', fmt),
                common.displayed(takes, fmt)))
        # Widest first: where the largest guests can go.
        return sorted(rows, key=lambda row: (
            -row[1] if isinstance(row[1], int) else 1, row[0]))
