"""The ``nova-maxphysaddr`` command line: output, JSON and exit codes."""

import contextlib
import io
import json
import unittest

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


class DemoTest(unittest.TestCase):

    def test_demo_shows_failure_then_success(self):
        rc, out = run('demo', '--json')
        self.assertEqual(cli.EXIT_OK, rc)
        doc = json.loads(out)
        self.assertIn('phys-bits too low', doc[0]['warnings'][0])
        self.assertEqual('MaxPhysAddrBitsTooSmall', doc[1]['error']['type'])
        self.assertEqual({'mode': 'emulate', 'bits': 42}, doc[2]['request'])
