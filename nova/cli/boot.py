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

"""``nova-maxphysaddr boot`` and ``demo``: boot requests through Nova's
whole path, on real libvirt and QEMU, printed step by step as they go."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any

import yaml

from nova_maxphysaddr.rules import sizing
from nova_maxphysaddr.rules import values

from nova.cli import backends
from nova.cli import check
from nova.cli import common
from nova import objects
from nova.virt import hardware

TEXT, JSON, YAML = 'text', 'json', 'yaml'
DEMO_RAM_MB = 1536 * common.MiB_PER_GiB


def add_cloud_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        '--connect', metavar='URI',
        help='boot on this libvirt (e.g. qemu:///system, with nova.conf\'s '
             '[libvirt] options) instead of libvirt\'s embedded QEMU driver')
    parser.add_argument(
        '--virt-type', choices=('kvm', 'qemu'),
        help='[libvirt]virt_type; default: kvm when /dev/kvm can be used, '
             'else qemu (TCG), for the embedded driver; nova.conf\'s with '
             '--connect')
    parser.add_argument(
        '--no-simulated-hosts', action='store_true',
        help='schedule across the real host only')
    parser.add_argument(
        '-f', '--format', choices=(TEXT, JSON, YAML), default=TEXT,
        help='text: each step as it completes; json or yaml: one document '
             'at the end (progress on stderr)')


class _BootCommand(common.Command):

    def _out(self, parsed_args: argparse.Namespace) -> Any:
        """Where progress goes: stdout for text, else stderr."""
        return sys.stdout if parsed_args.format == TEXT else sys.stderr

    def _print(self, parsed_args: argparse.Namespace, line: str = '') -> None:
        print(line, file=self._out(parsed_args), flush=True)

    def _print_step(self, parsed_args: argparse.Namespace) -> Any:
        number = iter(range(1, 100))

        def on_step(step: Any) -> None:
            self._print(parsed_args, '[%d] %-12s %s  %s' % (
                next(number), step.name, 'OK  ' if step.ok else 'FAIL',
                step.summary))
            for line in step.lines:
                self._print(parsed_args, '      ' + line)
        return on_step

    @contextlib.contextmanager
    def _cloud(self, parsed_args: argparse.Namespace) -> Any:
        from nova.demo import boot_path

        if not parsed_args.connect:
            self._print(parsed_args, 'Starting libvirt\'s embedded QEMU '
                        'driver (probing QEMU, about %d s)...'
                        % backends.QEMU_PROBE_SECONDS)
        with contextlib.ExitStack() as stack:
            hosts, backend = stack.enter_context(backends.compute_hosts(
                parsed_args.connect, parsed_args.virt_type,
                not parsed_args.no_simulated_hosts))
            self._print(parsed_args, 'Compute hosts: %s' % backend.description)
            for host in hosts:
                self._print(parsed_args, '  %-12s %s' % (host.name,
                                                         host.summary))
            self._print(parsed_args, 'Starting Placement (in process) and '
                        'registering the hosts...')
            cloud = boot_path.Cloud(hosts, stack.callback)
            yield cloud, backend

    def _emit(self, parsed_args: argparse.Namespace,
              doc: dict[str, Any]) -> None:
        if parsed_args.format == JSON:
            print(json.dumps(doc, indent=2, sort_keys=True))
        elif parsed_args.format == YAML:
            print(yaml.safe_dump(doc, sort_keys=True))


class Boot(_BootCommand):
    """One boot request through API, scheduler and libvirt driver.

    The scheduler step is Placement's trait match and both filters.

    Exit status: 0 the guest booted; 2 it was refused (by the API, the
    scheduler, the driver, libvirt or QEMU); 255 the compute host could not
    be reached.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        check.add_flavor_arguments(parser)
        add_cloud_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> int:
        backends.quiet_libvirt()
        from nova.demo import boot_path

        flavor, image_props = check.flavor_and_image(parsed_args)
        with self._cloud(parsed_args) as (cloud, backend):
            self._print(parsed_args)
            report = boot_path.boot(cloud, flavor, image_props,
                                    self._print_step(parsed_args))
        self._print(parsed_args, 'RESULT: %s' % (
            'the guest booted' if report.booted
            else 'the guest did not boot'))
        self._emit(parsed_args, dict(report.as_dict(),
                                     backend=backend.description,
                                     accelerator=backend.accelerator))
        return common.EXIT_OK if report.booted else common.EXIT_FAILURE


class Demo(_BootCommand):
    """The main job: a 1.5 TiB flavor booted without, then with the keys.

    On real QEMU (libvirt's embedded driver, KVM when usable), next to six
    simulated compute hosts; the keys are hw:maxphysaddr_*.

    Exit status 0 when the guest fails without the feature and boots with
    the advised width, 2 otherwise, 255 when QEMU cannot run here.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--ram', type=common.parse_size_mb, default=DEMO_RAM_MB,
            metavar='SIZE', help='the flavor\'s RAM (default 1.5T)')
        add_cloud_arguments(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> int:
        backends.quiet_libvirt()
        from nova.demo import boot_path

        layout = sizing.GuestLayout(parsed_args.ram,
                                    hardware.get_machine_type(None))
        bits = sizing.advised_bits(layout)
        scenarios = [
            ('without hw:maxphysaddr_*', {}),
            ('with %s=emulate, %s=%d (nova-maxphysaddr advise)' % (
                values.FLAVOR_MODE_KEY, values.FLAVOR_BITS_KEY, bits),
             {values.FLAVOR_MODE_KEY: values.EMULATE,
              values.FLAVOR_BITS_KEY: str(bits)}),
        ]
        results = []
        with self._cloud(parsed_args) as (cloud, backend):
            for title, specs in scenarios:
                self._print(parsed_args, '\n=== Boot a %s flavor %s ===' % (
                    common.format_mib(parsed_args.ram), title))
                flavor = objects.Flavor(name='large',
                                        memory_mb=parsed_args.ram, vcpus=1,
                                        root_gb=0, extra_specs=specs)
                report = boot_path.boot(cloud, flavor, {},
                                        self._print_step(parsed_args))
                self._print(parsed_args, 'RESULT: %s' % (
                    'the guest booted' if report.booted
                    else 'the guest did not boot'))
                results.append(dict(report.as_dict(), scenario=title))
        as_expected = not results[0]['booted'] and results[1]['booted']
        self._print(parsed_args, '\n' + (
            'As expected: without the feature the guest cannot start; with '
            'it, it boots.' if as_expected else
            'NOT as expected: see the steps above.'))
        self._emit(parsed_args, {'backend': backend.description,
                                 'accelerator': backend.accelerator,
                                 'scenarios': results,
                                 'as_expected': as_expected})
        return common.EXIT_OK if as_expected else common.EXIT_FAILURE
