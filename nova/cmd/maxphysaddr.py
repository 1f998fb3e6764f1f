"""``nova-maxphysaddr``: the feature's path through Nova, command by command.

``demo``   the main job: a 1.5 TiB flavor booted without and with
           ``hw:maxphysaddr_*`` through API, scheduler and libvirt driver,
           on libvirt's embedded QEMU driver (real QEMU, TCG) when it can.
``boot``   one boot request through the same path.
``host``   what a compute host reports: versions, width, traits and why.
``check``  validates a flavor (and image) as Nova's API would and prints the
           guest's resolved maxphysaddr request, or the exact error.
``advise`` prints the minimum ``hw:maxphysaddr_bits`` for a RAM size.
"""

from __future__ import annotations

import argparse
import contextlib
import fractions
import json
import re
import sys
from collections.abc import Iterator
from typing import Any

from nova.cmd import boot_path
from nova.cmd import simulated_hosts
import nova.conf
from nova import exception
from nova import objects
from nova.objects import fields
from nova import utils
from nova.virt import hardware
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import embedded
from nova.virt.libvirt import host as libvirt_host

CONF = nova.conf.CONF

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2

# Without a daemon or QEMU, libvirt's built-in test driver: it defines and
# "starts" guests without running them.
TEST_DRIVER_URI = 'test:///default'
LOCAL_HOST_NAME = 'this-host'
# File-backed guest RAM lives in sparse files: set aside more than any
# flavor the demo boots, so Placement's MEMORY_MB check passes.
EMBEDDED_FILE_BACKED_MEMORY_MB = 16 * 1024 * 1024

# Binary units only: "TB" would be ambiguous (10**12 or 2**40).
_SIZE_RE = re.compile(
    r'(?P<num>[0-9]+(?:\.[0-9]+)?)\s*(?:(?P<unit>[MGT])(?:iB)?)?\Z',
    re.IGNORECASE)
_UNIT_MB = {'': 1, 'M': 1, 'G': 1024, 'T': 1024 * 1024}


def parse_ram(text: str) -> int:
    """'1536G', '1.5T', '2048M' or '2048' (MiB) -> MiB."""
    match = _SIZE_RE.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(
            'RAM %r: expected a size such as 2048 (MiB), 64G, 64GiB or 1.5T'
            % text)
    # Exact arithmetic: a float would round large sizes.
    mib = fractions.Fraction(match['num']) * _UNIT_MB[
        (match['unit'] or '').upper()]
    if mib.denominator != 1 or mib <= 0:
        raise argparse.ArgumentTypeError(
            'RAM %r: must be a positive whole number of MiB' % text)
    return int(mib)


def _int_argument(text: str, minimum: int) -> int:
    try:
        return utils.strict_int(text, minimum)
    except ValueError as exc:
        raise argparse.ArgumentTypeError('%r %s' % (text, exc))


def non_negative_int(text: str) -> int:
    return _int_argument(text, 0)


def positive_int(text: str) -> int:
    """A count Nova's flavor API requires to be at least 1 (vCPUs)."""
    return _int_argument(text, 1)


def parse_key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition('=')
    if not sep or not key:
        raise argparse.ArgumentTypeError(
            '%r: expected KEY=VALUE, e.g. hw:maxphysaddr_mode=emulate' % text)
    return key, value


def format_mib(mib: int) -> str:
    for unit, size in (('TiB', 1024 * 1024), ('GiB', 1024)):
        if mib >= size:
            return '%g %s' % (mib / size, unit)
    return '%d MiB' % mib


def build_flavor(args: argparse.Namespace,
                 specs: list[tuple[str, str]] | None = None
                 ) -> objects.Flavor:
    """The flavor from the command line; ``specs`` replace --property."""
    return objects.Flavor(
        name=args.flavor_name, memory_mb=args.ram, vcpus=args.vcpus,
        root_gb=args.disk,
        extra_specs=dict(args.property if specs is None else specs))


def error_dict(exc: exception.NovaException) -> dict[str, Any]:
    return {'type': type(exc).__name__, 'message': str(exc),
            'http_status': exc.code}


def check_request(args: argparse.Namespace) -> dict[str, Any]:
    """Validate like Nova's API and resolve; a result dict, never raises."""
    result: dict[str, Any] = {
        'flavor': {'name': args.flavor_name, 'memory_mb': args.ram,
                   'vcpus': args.vcpus, 'extra_specs': dict(args.property)},
        'image_properties': dict(args.image_property),
        'min_bits': {
            'amd_vendor': hardware.get_min_maxphysaddr_bits(args.ram),
            'intel_vendor': hardware.get_min_maxphysaddr_bits(
                args.ram, amd_vendor=False)},
        'default_bits': hardware.QEMU_DEFAULT_PHYS_BITS,
        'request': None, 'error': None, 'warnings': [],
    }
    try:
        _image, request = boot_path.validate_request(
            build_flavor(args), dict(args.image_property))
    except exception.Invalid as exc:
        result['error'] = error_dict(exc)
        return result
    if request is not None:
        result['request'] = {'mode': request.mode, 'bits': request.bits}
    elif not hardware.maxphysaddr_bits_fit(
            args.ram, hardware.QEMU_DEFAULT_PHYS_BITS):
        min_bits = result['min_bits']['amd_vendor']
        advice = ('Set hw:maxphysaddr_mode=emulate and hw:maxphysaddr_bits=%d '
                  '(or more).' % min_bits
                  if min_bits <= fields.MaxPhysAddrBits.MAX else
                  'No width QEMU supports (up to %d bits) holds it.'
                  % fields.MaxPhysAddrBits.MAX)
        result['warnings'].append(
            'no hw:maxphysaddr_* is set, so QEMU gives the guest its default '
            '%d physical address bits, too few for %s of RAM: it will fail '
            'to start ("phys-bits too low"). %s' % (
                hardware.QEMU_DEFAULT_PHYS_BITS, format_mib(args.ram),
                advice))
    return result


def print_check(result: dict[str, Any]) -> None:
    flavor = result['flavor']
    print('Flavor %s: %s RAM (%d MiB), %d vCPUs' % (
        flavor['name'], format_mib(flavor['memory_mb']), flavor['memory_mb'],
        flavor['vcpus']))
    for key, value in sorted(flavor['extra_specs'].items()):
        print('  extra spec      %s=%s' % (key, value))
    for key, value in sorted(result['image_properties'].items()):
        print('  image property  %s=%s' % (key, value))
    print('Minimum hw:maxphysaddr_bits for this RAM: %d (AMD-vendor guest CPU '
          'layout, assumed), %d (Intel-vendor)' % (
              result['min_bits']['amd_vendor'],
              result['min_bits']['intel_vendor']))
    if result['error']:
        print('REJECTED (%s, HTTP %d): %s' % (
            result['error']['type'], result['error']['http_status'],
            result['error']['message']))
        return
    request = result['request']
    if request is None:
        print('OK: no maxphysaddr request; the guest gets QEMU\'s default %d '
              'bits' % result['default_bits'])
    elif request['mode'] == fields.MaxPhysAddrMode.EMULATE:
        print("OK: guest CPU gets <maxphysaddr mode='emulate' bits='%d'/>"
              % request['bits'])
    else:
        print("OK: guest CPU gets <maxphysaddr mode='passthrough'/> (the "
              "host CPU's width)")
    for warning in result['warnings']:
        print('WARNING: ' + warning)


def cmd_check(args: argparse.Namespace) -> int:
    result = check_request(args)
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        print_check(result)
    return EXIT_REJECTED if result['error'] else EXIT_OK


def advise(memory_mb: int) -> dict[str, Any]:
    amd = hardware.get_min_maxphysaddr_bits(memory_mb)
    intel = hardware.get_min_maxphysaddr_bits(memory_mb, amd_vendor=False)
    fits_default = hardware.maxphysaddr_bits_fit(
        memory_mb, hardware.QEMU_DEFAULT_PHYS_BITS)
    result = {
        'memory_mb': memory_mb,
        'address_space_end': hardware.guest_address_space_end(memory_mb),
        'min_bits': amd, 'min_bits_intel_vendor': intel,
        'default_bits': hardware.QEMU_DEFAULT_PHYS_BITS,
        'default_suffices': fits_default,
        'supported': amd <= fields.MaxPhysAddrBits.MAX,
    }
    result['commands'] = [
        'openstack flavor set FLAVOR --property hw:maxphysaddr_mode=emulate '
        '--property hw:maxphysaddr_bits=%d' % amd,
    ] if result['supported'] else []
    return result


def cmd_advise(args: argparse.Namespace) -> int:
    result = advise(args.ram)
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
        return EXIT_OK if result['supported'] else EXIT_REJECTED
    print('A q35 guest with %s of RAM uses guest physical addresses up to '
          '0x%x (RAM, PCI holes, 32 GiB 64-bit PCI window).' % (
              format_mib(args.ram), result['address_space_end'] - 1))
    if not result['supported']:
        print('No width QEMU supports (up to %d bits) holds it.'
              % fields.MaxPhysAddrBits.MAX)
        return EXIT_REJECTED
    print('Minimum hw:maxphysaddr_bits: %d' % result['min_bits'])
    if result['min_bits_intel_vendor'] < result['min_bits']:
        print('  (%d would do for an Intel-vendor guest CPU model, but QEMU '
              'moves an AMD-vendor guest\'s RAM above 1 TiB; the API cannot '
              'know the vendor, so it asks for %d.)' % (
                  result['min_bits_intel_vendor'], result['min_bits']))
    if result['default_suffices']:
        print("QEMU's default of %d bits already suffices; set nothing unless "
              "you add PCI devices with large BARs." % result['default_bits'])
    print('To set it:')
    for command in result['commands']:
        print('  ' + command)
    return EXIT_OK


DEMO_RAM_MB = 1536 * 1024


@contextlib.contextmanager
def compute_hosts(args: argparse.Namespace
                  ) -> Iterator[tuple[list[boot_path.ComputeHost], str]]:
    """The demo cloud: this machine's libvirt plus the simulated hosts.

    Yields the hosts and a sentence saying what the real one is.
    """
    CONF.set_override('virt_type', args.virt_type, group='libvirt')
    overridden = ['virt_type']
    with contextlib.ExitStack() as stack:
        if args.connect:
            uri = args.connect
            backend = 'libvirt at %s' % uri
        else:
            missing = embedded.missing_prerequisites()
            if missing:
                uri = TEST_DRIVER_URI
                backend = ("libvirt's test driver (%s): defines guests but "
                           "runs no QEMU, because the embedded QEMU driver "
                           "is unavailable: %s" % (uri, '; '.join(missing)))
            else:
                emb = embedded.EmbeddedQEMU()
                uri = emb.setup()
                stack.callback(emb.cleanup)
                backend = ("libvirt's embedded QEMU driver (%s): real QEMU "
                           "under TCG, no daemon; guest RAM in sparse "
                           "files" % uri)
                CONF.set_override('file_backed_memory',
                                  EMBEDDED_FILE_BACKED_MEMORY_MB,
                                  group='libvirt')
                overridden.append('file_backed_memory')
        host = libvirt_host.Host(uri)
        stack.callback(host.close)
        hosts = [boot_path.ComputeHost(
            LOCAL_HOST_NAME, host, libvirt_driver.LibvirtDriver(host), True,
            'this machine: %s' % uri)]
        if not args.no_simulated_hosts:
            for desc in simulated_hosts.SIMULATED_HOSTS:
                sim = simulated_hosts.SimulatedHost(desc)
                hosts.append(boot_path.ComputeHost(
                    desc.name, sim, libvirt_driver.LibvirtDriver(sim), False,
                    desc.summary))
        try:
            yield hosts, backend
        finally:
            for name in overridden:
                CONF.clear_override(name, group='libvirt')


def print_report(report: boot_path.BootReport) -> None:
    for number, step in enumerate(report.steps, 1):
        print('[%d] %-12s %s  %s' % (number, step.name,
                                     'OK  ' if step.ok else 'FAIL',
                                     step.summary))
        d = step.details
        if d.get('error'):
            print('      %s: %s' % (d['error']['type'], d['error']['message']))
        if d.get('explanation'):
            print('      Why: %s' % d['explanation'])
        if 'maxphysaddr' in d:
            print('      maxphysaddr request: %s'
                  % (d['maxphysaddr'] or 'none'))
        if 'required_traits' in d:
            print('      required traits: %s' % (
                ', '.join(d['required_traits']) or 'none'))
            print('      %s' % d['placement_query'])
        for refused in d.get('refused', []):
            print('      - %-12s %s' % (refused['host'], refused['reason']))
        for rejected in d.get('rejected', []):
            print('      - %-12s %s: %s' % (rejected['host'],
                                            rejected['filter'],
                                            rejected['reason']))
        if d.get('passed'):
            print('      passed: %s' % ', '.join(d['passed']))
        if d.get('cpu_xml'):
            print('      guest <cpu>: %s' % ' '.join(d['cpu_xml'].split()))
        if d.get('qemu_cpu_arg'):
            print('      QEMU -cpu %s' % d['qemu_cpu_arg'])
        if d.get('qemu_phys_bits'):
            print('      QEMU reports: %s' % d['qemu_phys_bits'])
    print('RESULT: %s' % ('the guest booted' if report.booted
                          else 'the guest did not boot'))


def run_boot(args: argparse.Namespace, hosts: list[boot_path.ComputeHost],
             specs: list[tuple[str, str]]) -> boot_path.BootReport:
    return boot_path.boot(build_flavor(args, specs),
                          dict(args.image_property), hosts)


def print_hosts(hosts: list[boot_path.ComputeHost], backend: str) -> None:
    print('Compute hosts: %s' % backend)
    for host in hosts:
        print('  %-12s %s' % (host.name, host.summary))


def cmd_boot(args: argparse.Namespace) -> int:
    with compute_hosts(args) as (hosts, backend):
        if not args.json:
            print_hosts(hosts, backend)
        report = run_boot(args, hosts, args.property)
    if args.json:
        print(json.dumps(dict(report.as_dict(), backend=backend), indent=2,
                         sort_keys=True))
    else:
        print_report(report)
    return EXIT_OK if report.booted else EXIT_REJECTED


def cmd_demo(args: argparse.Namespace) -> int:
    """The README's main job: a 1.5 TiB flavor without and with the feature.

    Succeeds when the guest fails without ``hw:maxphysaddr_*`` and boots
    with the advised bits.
    """
    bits = hardware.get_min_maxphysaddr_bits(args.ram)
    scenarios = [
        ('without hw:maxphysaddr_*', []),
        ('with hw:maxphysaddr_mode=emulate, hw:maxphysaddr_bits=%d '
         '(nova-maxphysaddr advise)' % bits,
         [('hw:maxphysaddr_mode', 'emulate'),
          ('hw:maxphysaddr_bits', str(bits))]),
    ]
    results = []
    with compute_hosts(args) as (hosts, backend):
        if not args.json:
            print_hosts(hosts, backend)
        for title, specs in scenarios:
            if not args.json:
                print('\n=== Boot a %s flavor %s ===' % (format_mib(args.ram),
                                                         title))
            report = run_boot(args, hosts, specs)
            if not args.json:
                print_report(report)
            results.append(dict(report.as_dict(), scenario=title))
    as_expected = not results[0]['booted'] and results[1]['booted']
    if args.json:
        print(json.dumps({'backend': backend, 'scenarios': results,
                          'as_expected': as_expected}, indent=2,
                         sort_keys=True))
    else:
        verdict = ('As expected: without the feature the guest cannot '
                   'start; with it, it boots.' if as_expected else
                   'NOT as expected: see the steps above.')
        print('\n' + verdict)
    return EXIT_OK if as_expected else EXIT_REJECTED


def cmd_host(args: argparse.Namespace) -> int:
    args.no_simulated_hosts = True
    with compute_hosts(args) as (hosts, backend):
        try:
            info = boot_path.describe_host(hosts[0])
        except exception.NovaException as exc:
            print('Cannot read the host: %s' % exc, file=sys.stderr)
            return EXIT_REJECTED
    if args.json:
        print(json.dumps(info, indent=2, sort_keys=True))
        return EXIT_OK
    print('Host %s (%s)' % (info['host'], info['uri']))
    print('  libvirt %s, %s %s, arch %s' % (
        libvirt_driver._version_str(info['libvirt_version']),
        info['hypervisor_type'],
        libvirt_driver._version_str(info['hypervisor_version']),
        info['arch']))
    width = info['maxphysaddr']
    print('  host physical address bits: %s' % (
        width.get('bits') if width else 'not reported'))
    for mode, reason in sorted(info['unsupported_reasons'].items()):
        trait = 'COMPUTE_ADDRESS_SPACE_%s' % (
            'EMULATED' if mode == fields.MaxPhysAddrMode.EMULATE
            else 'PASSTHROUGH')
        print('  %-34s %s' % (trait, 'reported' if reason is None
                              else 'not reported: %s' % reason))
    return EXIT_OK


def add_flavor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--ram', type=parse_ram, required=True,
                        help='flavor RAM: MiB, or with a unit (64G, 1.5T)')
    parser.add_argument('--vcpus', type=positive_int, default=2,
                        help='flavor vCPUs (at least 1, as Nova requires)')
    parser.add_argument('--disk', type=non_negative_int, default=0,
                        help='root disk GiB')
    parser.add_argument('--flavor-name', default='large')
    parser.add_argument('--property', type=parse_key_value, action='append',
                        default=[], metavar='KEY=VALUE',
                        help='flavor extra spec, e.g. hw:maxphysaddr_bits=42')
    parser.add_argument('--image-property', type=parse_key_value,
                        action='append', default=[], metavar='KEY=VALUE',
                        help='image property, e.g. '
                             'hw_maxphysaddr_mode=emulate')
    parser.add_argument('--json', action='store_true',
                        help='one JSON document instead of text')


def add_cloud_arguments(parser: argparse.ArgumentParser,
                        simulated: bool = True) -> None:
    parser.add_argument(
        '--connect', metavar='URI',
        help='use this libvirt (e.g. qemu:///system) as the real compute '
             'host instead of the embedded QEMU driver')
    parser.add_argument(
        '--virt-type', default='qemu', choices=['qemu', 'kvm'],
        help='[libvirt]virt_type for the real host (default: qemu, TCG)')
    if simulated:
        parser.add_argument(
            '--no-simulated-hosts', action='store_true',
            help='schedule across the real host only')


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='nova-maxphysaddr',
        description="Nova's libvirt maxphysaddr support, step by step.")
    sub = parser.add_subparsers(dest='command', required=True)

    check = sub.add_parser(
        'check', help='validate a flavor/image as the API does and resolve '
                      'the guest maxphysaddr request')
    add_flavor_arguments(check)
    check.set_defaults(func=cmd_check)

    advise_ = sub.add_parser(
        'advise', help='minimum hw:maxphysaddr_bits for a RAM size')
    advise_.add_argument('--ram', type=parse_ram, required=True)
    advise_.add_argument('--json', action='store_true')
    advise_.set_defaults(func=cmd_advise)

    boot = sub.add_parser(
        'boot', help='one boot request through API, scheduler and the '
                     'libvirt driver')
    add_flavor_arguments(boot)
    add_cloud_arguments(boot)
    boot.set_defaults(func=cmd_boot)

    demo = sub.add_parser(
        'demo', help='the main job: a 1.5 TiB flavor booted without and '
                     'with hw:maxphysaddr_*')
    demo.add_argument('--ram', type=parse_ram, default=DEMO_RAM_MB)
    demo.add_argument('--json', action='store_true')
    add_cloud_arguments(demo)
    demo.set_defaults(func=cmd_demo, vcpus=1, disk=0, flavor_name='large',
                      image_property=[])

    host = sub.add_parser(
        'host', help='what a compute host reports: versions, width, traits')
    add_cloud_arguments(host, simulated=False)
    host.add_argument('--json', action='store_true')
    host.set_defaults(func=cmd_host)
    return parser


def main(argv: list[str] | None = None) -> int:
    objects.register_all()
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == '__main__':
    sys.exit(main())
