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

"""``nova-maxphysaddr host``: what this compute host reports, as
nova-compute would report it."""

from __future__ import annotations

import argparse
from typing import Any

from nova_maxphysaddr.rules import host as host_rules
from nova_maxphysaddr.rules import values

import nova.conf
from nova.cli import backends
from nova.cli import common
from nova import utils

CONF = nova.conf.CONF


class Host(common.ShowOne):
    """This host's libvirt, QEMU, width and COMPUTE_ADDRESS_SPACE_* traits.

    Each trait comes with why it is or is not reported.

    By default libvirt is reached as nova-compute reaches it: nova.conf's
    [libvirt]connection_uri (qemu:///system when unset) with its virt_type
    (kvm when unset) and cpu_mode; give --config-file /etc/nova/nova.conf
    on a compute node whose nova.conf is elsewhere.  Exit status 255 when
    libvirt cannot be reached.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        where = parser.add_mutually_exclusive_group()
        where.add_argument(
            '--connect', metavar='URI',
            help='this libvirt instead of nova.conf\'s connection_uri')
        where.add_argument(
            '--embedded', action='store_true',
            help='libvirt\'s embedded QEMU driver on this machine (what '
                 '`demo` and `boot` use), instead of a libvirt daemon')
        parser.add_argument(
            '--virt-type', choices=('kvm', 'qemu'),
            help='[libvirt]virt_type instead of nova.conf\'s')
        return parser

    def take_action(self, parsed_args: argparse.Namespace
                    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        backends.quiet_libvirt()
        from nova.virt.libvirt import driver as libvirt_driver
        from nova.virt.libvirt import host as libvirt_host

        if parsed_args.embedded:
            common.progress('Starting libvirt\'s embedded QEMU driver '
                            '(probing QEMU, about %d s)...'
                            % backends.QEMU_PROBE_SECONDS)
            backend_cm = backends.embedded_backend(parsed_args.virt_type)
        else:
            backend_cm = backends.libvirt_backend(parsed_args.connect,
                                                  parsed_args.virt_type)
        with backend_cm as backend:
            common.progress('Connecting to %s...' % backend.uri)
            host = libvirt_host.Host(backend.uri)
            try:
                host.get_connection()
                common.progress('Reading its versions and capabilities...')
                fields = describe(host, libvirt_driver.LibvirtDriver(host),
                                  backend)
            finally:
                host.close()
        return common.record(fields, parsed_args)


def describe(host: Any, driver: Any, backend: backends.Backend
             ) -> dict[str, Any]:
    """What a compute host reports, and why each trait is or is not."""
    record = driver.get_available_resource()
    cpu_info, _problem = host_rules.decode_cpu_info(record['cpu_info'])
    bits, unknown = host_rules.read_width(cpu_info)
    support = driver.get_maxphysaddr_support()
    fields: dict[str, Any] = {
        'host': record['hypervisor_hostname'],
        'uri': host.uri,
        'backend': backend.description,
        'virt_type': CONF.libvirt.virt_type,
        'cpu_mode': CONF.libvirt.cpu_mode,
        'libvirt_version': utils.version_to_str(host.get_libversion()),
        'hypervisor': record['hypervisor_type'],
        'hypervisor_version': utils.version_to_str(
            record['hypervisor_version']),
        'arch': cpu_info.get('arch'),
        'physical_address_bits': bits,
        'physical_address_bits_unknown': unknown,
    }
    for mode in values.MODES:
        reason = support[mode]
        fields[values.MODE_TRAITS[mode]] = (
            'reported' if reason is None else 'not reported: ' + reason)
    return fields
