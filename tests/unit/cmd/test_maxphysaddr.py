"""The ``nova-maxphysaddr`` command line: output, JSON and exit codes."""

import contextlib
import io
import json
import unittest

import libvirt

from nova.cmd import maxphysaddr as cli


def run(*argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = cli.main(list(argv))
    return rc, out.getvalue()


class CheckTest(unittest.TestCase):

    def test_too_few_bits_for_1_5_tib_fails_and_names_the_minimum(self):
        rc, out = run('check', '--ram', '1536G',
                      '--property', 'hw:maxphysaddr_mode=emulate',
                      '--property', 'hw:maxphysaddr_bits=40')
        self.assertEqual(cli.EXIT_REJECTED, rc)
        self.assertIn('REJECTED (MaxPhysAddrBitsTooSmall, HTTP 400)', out)
        self.assertIn('Set hw:maxphysaddr_bits to at least 42.', out)

    def test_42_bits_for_1_5_tib_succeeds(self):
        rc, out = run('check', '--ram', '1.5T',
                      '--property', 'hw:maxphysaddr_mode=emulate',
                      '--property', 'hw:maxphysaddr_bits=42')
        self.assertEqual(cli.EXIT_OK, rc)
        self.assertIn("<maxphysaddr mode='emulate' bits='42'/>", out)

    def test_no_request_warns_when_the_default_is_too_small(self):
        rc, out = run('check', '--ram', '1536G')
        self.assertEqual(cli.EXIT_OK, rc)
        self.assertIn('WARNING: no hw:maxphysaddr_* is set', out)
        rc, out = run('check', '--ram', '64G')
        self.assertNotIn('WARNING', out)

    def test_json(self):
        rc, out = run('check', '--ram', '1536G', '--json',
                      '--property', 'hw:maxphysaddr_mode=emulate',
                      '--image-property', 'hw_maxphysaddr_bits=4_2')
        self.assertEqual(cli.EXIT_REJECTED, rc)
        doc = json.loads(out)
        self.assertEqual('InvalidImageProperty', doc['error']['type'])
        self.assertIn("hw_maxphysaddr_bits='4_2'", doc['error']['message'])
        self.assertIsNone(doc['request'])
        rc, out = run('check', '--ram', '2G', '--json',
                      '--image-property', 'hw_maxphysaddr_mode=passthrough')
        self.assertEqual({'mode': 'passthrough', 'bits': None},
                         json.loads(out)['request'])

    def test_a_flavor_forbidding_its_own_trait_is_refused_as_boot_does(self):
        argv = ['--ram', '2G', '--property', 'hw:maxphysaddr_mode=emulate',
                '--property', 'hw:maxphysaddr_bits=40', '--property',
                'trait:COMPUTE_ADDRESS_SPACE_EMULATED=forbidden']
        rc, out = run('check', *argv)
        self.assertEqual(cli.EXIT_REJECTED, rc)
        self.assertIn('needs a host with trait COMPUTE_ADDRESS_SPACE_EMULATED,'
                      ' but the flavor forbids it', out)
        rc, out = run('boot', '--connect', TEST_URI, *argv)
        self.assertEqual(cli.EXIT_REJECTED, rc)
        self.assertIn('[1] api          FAIL', out)
        self.assertIn('but the flavor forbids it', out)

    def test_unknown_hw_key_is_rejected_like_the_api(self):
        rc, out = run('check', '--ram', '2G',
                      '--property', 'hw:maxphysaddr_bit=42')
        self.assertEqual(cli.EXIT_REJECTED, rc)
        self.assertIn("unknown key in the 'hw' namespace", out)

    def test_usage_errors(self):
        for argv in (['check', '--ram', 'lots'],
                     ['check', '--ram', '0.5M'],
                     ['check', '--ram', '2G', '--property', 'novalue']):
            with self.subTest(argv=argv):
                with contextlib.redirect_stderr(io.StringIO()):
                    with self.assertRaises(SystemExit) as ctx:
                        run(*argv)
                self.assertEqual(cli.EXIT_USAGE, ctx.exception.code)


class AdviseTest(unittest.TestCase):

    def test_advise_1_5_tib(self):
        rc, out = run('advise', '--ram', '1536G')
        self.assertEqual(cli.EXIT_OK, rc)
        self.assertIn('Minimum hw:maxphysaddr_bits: 42', out)
        self.assertIn('--property hw:maxphysaddr_bits=42', out)
        self.assertIn('0x2877fffffff', out)

    def test_advise_json(self):
        rc, out = run('advise', '--ram', '4T', '--json')
        doc = json.loads(out)
        self.assertEqual(43, doc['min_bits'])
        self.assertFalse(doc['default_suffices'])

    def test_small_guest_needs_nothing(self):
        rc, out = run('advise', '--ram', '64G')
        self.assertIn("default of 40 bits already suffices", out)

    def test_beyond_qemu(self):
        rc, out = run('advise', '--ram', str(2 ** 43))
        self.assertEqual(cli.EXIT_REJECTED, rc)
        self.assertIn('No width QEMU supports', out)


class ParseTest(unittest.TestCase):

    def test_parse_ram(self):
        self.assertEqual(1572864, cli.parse_ram('1.5T'))
        self.assertEqual(1572864, cli.parse_ram('1536GiB'))
        self.assertEqual(2048, cli.parse_ram('2048'))
        self.assertEqual(2048, cli.parse_ram('2048M'))


TEST_URI = 'test:///default'


class BootTest(unittest.TestCase):
    """The boot path on libvirt's test driver plus the simulated hosts.

    The test driver reports no QEMU, so it never gets the address-space
    traits: what these tests can boot is a guest without the feature.  The
    real-QEMU path is in tests/e2e/test_main_job.py.
    """

    def boot(self, *argv):
        rc, out = run('boot', '--connect', TEST_URI, '--json', *argv)
        doc = json.loads(out)
        self.assertEqual(rc == cli.EXIT_OK, doc['booted'])
        return rc, {step['name']: step for step in doc['steps']}

    def test_guest_without_the_feature_boots_on_the_test_driver(self):
        rc, steps = self.boot('--ram', '2G')
        self.assertEqual(cli.EXIT_OK, rc)
        self.assertEqual([], steps['request_spec']['details'][
            'required_traits'])
        self.assertIn('qemu64', steps['spawn']['details']['cpu_xml'])
        self.assertNotIn('maxphysaddr', steps['spawn']['details']['cpu_xml'])

    def test_emulate_request_is_placed_and_filtered_on_what_hosts_report(
            self):
        rc, steps = self.boot('--ram', '1536G',
                              '--property', 'hw:maxphysaddr_mode=emulate',
                              '--property', 'hw:maxphysaddr_bits=42')
        self.assertEqual(cli.EXIT_REJECTED, rc)
        self.assertEqual(['COMPUTE_ADDRESS_SPACE_EMULATED'],
                         steps['request_spec']['details']['required_traits'])
        self.assertIn('required=COMPUTE_ADDRESS_SPACE_EMULATED',
                      steps['request_spec']['details']['placement_query'])
        refused = {r['host'] for r in steps['placement']['details'][
            'refused']}
        # Neither the test driver (no QEMU), aarch64 nor libvirt 8.0 has
        # the trait.
        self.assertEqual({'this-host', 'arm-altra', 'old-libvirt'}, refused)
        rejected = steps['filters']['details']['rejected']
        self.assertEqual([('intel-39', 'ComputeCapabilitiesFilter')],
                         [(r['host'], r['filter']) for r in rejected])
        self.assertIn('39 physical address bits', rejected[0]['reason'])
        self.assertEqual(['intel-46', 'amd-48', 'amd-52'],
                         steps['filters']['details']['passed'])
        self.assertFalse(steps['choose']['ok'])
        self.assertNotIn('spawn', steps)

    def test_image_bits_are_filtered_too(self):
        # Both filters check the resolved request whichever side set the
        # bits; the first in the list reports the rejection.
        rc, steps = self.boot(
            '--ram', '8G', '--image-property', 'hw_maxphysaddr_mode=emulate',
            '--image-property', 'hw_maxphysaddr_bits=47')
        rejected = {r['host']: r['reason'] for r in
                    steps['filters']['details']['rejected']}
        self.assertEqual({'intel-39', 'intel-46'}, set(rejected))
        self.assertIn('needs at least 47 bits', rejected['intel-46'])

    def test_invalid_request_stops_at_the_api(self):
        rc, steps = self.boot('--ram', '1536G',
                              '--property', 'hw:maxphysaddr_mode=emulate',
                              '--property', 'hw:maxphysaddr_bits=40')
        self.assertEqual(cli.EXIT_REJECTED, rc)
        self.assertEqual(['api'], list(steps))
        self.assertEqual('MaxPhysAddrBitsTooSmall',
                         steps['api']['details']['error']['type'])

    def test_text_report(self):
        rc, out = run('boot', '--connect', TEST_URI, '--ram', '2G',
                      '--property', 'hw:maxphysaddr_mode=passthrough')
        self.assertIn('required traits: COMPUTE_ADDRESS_SPACE_PASSTHROUGH',
                      out)
        # Under TCG (the demo cloud's virt_type) no host can pass its width
        # through.
        self.assertIn('- amd-52       lacks required trait(s) '
                      'COMPUTE_ADDRESS_SPACE_PASSTHROUGH', out)
        self.assertIn('[3] placement    FAIL  0 of 7 hosts', out)
        self.assertIn('RESULT: the guest did not boot', out)


class HostTest(unittest.TestCase):

    def test_test_driver_reports_no_traits_and_says_why(self):
        rc, out = run('host', '--connect', TEST_URI, '--json')
        doc = json.loads(out)
        self.assertEqual({'COMPUTE_ADDRESS_SPACE_EMULATED': False,
                          'COMPUTE_ADDRESS_SPACE_PASSTHROUGH': False},
                         doc['traits'])
        self.assertIsNone(doc['maxphysaddr'])
        self.assertIn('QEMU >= 2.7.0', doc['unsupported_reasons']['emulate'])

    def test_text(self):
        rc, out = run('host', '--connect', TEST_URI)
        self.assertEqual(cli.EXIT_OK, rc)
        self.assertIn('host physical address bits: not reported', out)
        self.assertIn('COMPUTE_ADDRESS_SPACE_EMULATED     not reported: it '
                      'needs libvirt >= 8.7.0 with QEMU >= 2.7.0', out)

    def test_unreachable_libvirt(self):
        # libvirtError() built later elsewhere would pick up this error.
        self.addCleanup(libvirt.virResetLastError)
        with contextlib.redirect_stderr(io.StringIO()) as err:
            rc, out = run('host', '--connect', 'test:///nonexistent.xml')
        self.assertEqual(cli.EXIT_REJECTED, rc)
        self.assertIn('Cannot read the host', err.getvalue())


class HostileArgumentsTest(unittest.TestCase):

    def test_refused_by_argparse_not_a_traceback(self):
        for argv in (['check', '--ram', '1G', '--vcpus', '-1'],
                     ['check', '--ram', '1G', '--vcpus', '0'],
                     ['boot', '--ram', '1G', '--vcpus', '0'],
                     ['check', '--ram', '1G', '--disk', '-1'],
                     ['check', '--ram', '1.5TB'],
                     ['check', '--ram', '1.5GB']):
            with self.subTest(argv=argv):
                with contextlib.redirect_stderr(io.StringIO()) as err:
                    with self.assertRaises(SystemExit) as ctx:
                        run(*argv)
                self.assertEqual(cli.EXIT_USAGE, ctx.exception.code)
                self.assertIn('error: argument', err.getvalue())

    def test_ram_is_exact(self):
        self.assertEqual(10 ** 23 * 1024 * 1024,
                         cli.parse_ram('100000000000000000000000T'))
        rc, out = run('check', '--ram', '100000000000000000000000T')
        self.assertIn('No width QEMU supports (up to 52 bits) holds it.',
                      out)

    def test_swapped_spellings_are_refused(self):
        rc, out = run('check', '--ram', '2G',
                      '--property', 'hw_maxphysaddr_bits=42')
        self.assertEqual(cli.EXIT_REJECTED, rc)
        self.assertIn('that is the image property spelling; the flavor extra '
                      'spec is hw:maxphysaddr_bits', out)
        rc, out = run('check', '--ram', '2G',
                      '--image-property', 'hw:maxphysaddr_mode=emulate')
        self.assertEqual(cli.EXIT_REJECTED, rc)
        self.assertIn("Invalid image property hw:maxphysaddr_mode='emulate'",
                      out)
