"""``nova-maxphysaddr``: the feature's path through Nova, one command at a time.

``check``  validates a flavor (and image) as Nova's API would and prints the
           guest's resolved maxphysaddr request, or the exact error.
``advise`` prints the minimum ``hw:maxphysaddr_bits`` for a RAM size.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from nova.api.validation.extra_specs import validators
from nova import exception
from nova import objects
from nova.objects import fields
from nova.virt import hardware

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2

_SIZE_RE = re.compile(
    r'(?P<num>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>[MGT]?)(?:i?B)?\Z',
    re.IGNORECASE)
_UNIT_MB = {'': 1, 'M': 1, 'G': 1024, 'T': 1024 * 1024}


def parse_ram(text: str) -> int:
    """'1536G', '1.5T', '2048M' or '2048' (MiB) -> MiB."""
    match = _SIZE_RE.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(
            'RAM %r: expected a size such as 2048 (MiB), 64G or 1.5T' % text)
    mib = float(match['num']) * _UNIT_MB[match['unit'].upper()]
    if mib != int(mib) or mib <= 0:
        raise argparse.ArgumentTypeError(
            'RAM %r: must be a positive whole number of MiB' % text)
    return int(mib)


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


def build_flavor(args: argparse.Namespace) -> objects.Flavor:
    return objects.Flavor(name=args.flavor_name, memory_mb=args.ram,
                          vcpus=args.vcpus, root_gb=args.disk,
                          extra_specs=dict(args.property))


def build_image(args: argparse.Namespace) -> objects.ImageMeta:
    return objects.ImageMeta.from_dict(
        {'name': 'image', 'properties': dict(args.image_property)})


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
        flavor = build_flavor(args)
        validators.validate_all(flavor.extra_specs)
        image = build_image(args)
        request = hardware.get_maxphysaddr_request(flavor, image)
    except exception.Invalid as exc:
        result['error'] = error_dict(exc)
        return result
    if request is not None:
        result['request'] = {'mode': request.mode, 'bits': request.bits}
    elif not hardware.maxphysaddr_bits_fit(
            args.ram, hardware.QEMU_DEFAULT_PHYS_BITS):
        result['warnings'].append(
            'no hw:maxphysaddr_* is set, so QEMU gives the guest its default '
            '%d physical address bits, too few for %s of RAM: it will fail '
            'to start ("phys-bits too low"). Set hw:maxphysaddr_mode=emulate '
            'and hw:maxphysaddr_bits=%d (or more).' % (
                hardware.QEMU_DEFAULT_PHYS_BITS, format_mib(args.ram),
                result['min_bits']['amd_vendor']))
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


def cmd_demo(args: argparse.Namespace) -> int:
    """The README's main job: a 1.5 TiB flavor without and with the feature."""
    bits = hardware.get_min_maxphysaddr_bits(DEMO_RAM_MB)
    scenarios = [
        ('without hw:maxphysaddr_*', []),
        ('with too few bits', [('hw:maxphysaddr_mode', 'emulate'),
                               ('hw:maxphysaddr_bits', str(bits - 2))]),
        ('with the advised bits', [('hw:maxphysaddr_mode', 'emulate'),
                                   ('hw:maxphysaddr_bits', str(bits))]),
    ]
    results = []
    for title, specs in scenarios:
        ns = argparse.Namespace(ram=DEMO_RAM_MB, vcpus=2, disk=0,
                                flavor_name='large', property=specs,
                                image_property=[])
        result = check_request(ns)
        results.append({'scenario': title, **result})
        if not args.json:
            print('=== %s ===' % title)
            print_check(result)
            print()
    if args.json:
        print(json.dumps(results, indent=2, sort_keys=True))
    ok = results[-1]['request'] is not None and not results[1]['request']
    return EXIT_OK if ok else EXIT_REJECTED


def add_flavor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--ram', type=parse_ram, required=True,
                        help='flavor RAM: MiB, or with a unit (64G, 1.5T)')
    parser.add_argument('--vcpus', type=int, default=2)
    parser.add_argument('--disk', type=int, default=0, help='root disk GiB')
    parser.add_argument('--flavor-name', default='large')
    parser.add_argument('--property', type=parse_key_value, action='append',
                        default=[], metavar='KEY=VALUE',
                        help='flavor extra spec, e.g. hw:maxphysaddr_bits=42')
    parser.add_argument('--image-property', type=parse_key_value,
                        action='append', default=[], metavar='KEY=VALUE',
                        help='image property, e.g. hw_maxphysaddr_mode=emulate')
    parser.add_argument('--json', action='store_true',
                        help='one JSON document instead of text')


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

    demo = sub.add_parser(
        'demo', help='the main job: a 1.5 TiB flavor without and with '
                     'hw:maxphysaddr_*')
    demo.add_argument('--json', action='store_true')
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    objects.register_all()
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == '__main__':
    sys.exit(main())
