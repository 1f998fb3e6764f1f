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

"""Reading back what QEMU gave a guest, and recognising QEMU's refusal."""

import json
import os
import shutil
import tempfile
import unittest
from unittest import mock

import libvirt

from nova.demo import qemu
from nova import exception
from nova.virt.libvirt import guest

from tests import fakelibvirt

UUID = 'c7a5fdbd-cdaf-9455-926a-d65c16db1809'
# libvirt 9.0 + QEMU 7.2 (TCG, Skylake-Client), verbatim from this machine.
LIBVIRT_ERROR = (
    "internal error: qemu unexpectedly closed the monitor: "
    "2026-11-24T14:26:17.191478Z qemu-system-x86_64: warning: TCG doesn't "
    "support requested feature: CPUID.01H:ECX.tsc-deadline [bit 24]\n"
    "2026-11-24T14:29:10.676576Z qemu-system-x86_64: Address space limit "
    "0xffffffffff < 0x2877fffffff phys-bits too low (40)")


class FindPhysBitsTooLowTest(unittest.TestCase):

    def test_found_inside_libvirt_error(self):
        found = qemu.find_phys_bits_too_low(LIBVIRT_ERROR)
        self.assertEqual(qemu.PhysBitsTooLow(
            limit=2 ** 40 - 1, needed=0x2877fffffff, bits=40,
            qemu_message='Address space limit 0xffffffffff < 0x2877fffffff '
                         'phys-bits too low (40)'), found)
        self.assertEqual(42, found.min_bits)
        # The explanation an operator reads: tests/unit/demo/test_boot_path.

    def test_small_guest(self):
        # 1 GiB guest at phys-bits=35: needs 36.
        found = qemu.find_phys_bits_too_low(
            'Address space limit 0x7ffffffff < 0x8ffffffff phys-bits too '
            'low (35)')
        self.assertEqual((35, 36), (found.bits, found.min_bits))

    def test_other_failures_are_not_recognised(self):
        for message in (
                '', None,
                "internal error: qemu unexpectedly closed the monitor: "
                "cannot set up guest memory 'pc.ram': Cannot allocate memory",
                'phys-bits should be between 32 and 52 (but is 31)',
                'Address space limit 0xffffffffff < phys-bits too low (40)'):
            self.assertIsNone(qemu.find_phys_bits_too_low(message), message)


class ParseCpuArgTest(unittest.TestCase):

    def test_properties(self):
        self.assertEqual(
            ('qemu64', {'phys-bits': '42', 'ssse3': 'on', 'svm': 'off',
                        'host-phys-bits': 'on'}),
            qemu.parse_cpu_arg('qemu64,phys-bits=42,+ssse3,-svm,'
                               'host-phys-bits'))

    def test_model_only_and_escaped_comma(self):
        self.assertEqual(('qemu64', {}), qemu.parse_cpu_arg('qemu64'))
        self.assertEqual(('m', {'model-id': 'a,b'}),
                         qemu.parse_cpu_arg('m,model-id=a,,b'))


def running_guest():
    """A running guest named instance-1, as the driver hands it out."""
    domain = fakelibvirt.Connection().defineXML(
        "<domain type='qemu'><name>instance-1</name><uuid>%s</uuid>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>"
        % UUID)
    domain.create()
    return qemu.QEMUGuest(guest.Guest(domain))


class QEMUGuestTest(unittest.TestCase):

    def test_names_the_guest(self):
        running = running_guest()
        self.assertEqual(('instance-1', UUID), (running.name, running.uuid))


class QMPTest(unittest.TestCase):

    def setUp(self):
        self.guest = running_guest()
        self.replies = {}
        self.sent = []

        def monitor(domain, command, flags):
            request = json.loads(command)
            self.sent.append(request)
            key = (request['execute'],
                   request.get('arguments', {}).get('property'))
            reply = self.replies[key]
            if isinstance(reply, Exception):
                raise reply
            return reply if isinstance(reply, str) else json.dumps(reply)

        patcher = mock.patch('libvirt_qemu.qemuMonitorCommand',
                             side_effect=monitor)
        patcher.start()
        self.addCleanup(patcher.stop)

    def set_cpu(self, phys_bits, host_phys_bits, limit):
        self.replies.update({
            ('query-cpus-fast', None): {'return': [
                {'cpu-index': 0, 'qom-path': '/machine/unattached/device[0]',
                 'thread-id': 1, 'target': 'x86_64'}]},
            ('qom-get', 'phys-bits'): {'return': phys_bits},
            ('qom-get', 'host-phys-bits'): {'return': host_phys_bits},
            ('qom-get', 'host-phys-bits-limit'): {'return': limit},
        })

    def test_emulated_width(self):
        self.set_cpu(42, False, 0)
        bits = self.guest.get_phys_bits()
        self.assertEqual(qemu.QEMUPhysBits(42, False, 0), bits)
        self.assertEqual('phys-bits=42, host-phys-bits=off', str(bits))
        self.assertEqual(
            {'execute': 'qom-get', 'arguments': {
                'path': '/machine/unattached/device[0]',
                'property': 'phys-bits'}}, self.sent[1])

    def test_any_cpu_property(self):
        self.set_cpu(42, False, 0)
        self.replies[('qom-get', 'vendor')] = {'return': 'AuthenticAMD'}
        self.assertEqual('AuthenticAMD',
                         self.guest.get_cpu_property('vendor'))
        self.assertEqual(['query-cpus-fast', 'qom-get'],
                         [request['execute'] for request in self.sent])

    def test_passthrough_with_limit(self):
        self.set_cpu(48, True, 46)
        self.assertEqual(
            'phys-bits=48, host-phys-bits=on, host-phys-bits-limit=46',
            str(self.guest.get_phys_bits()))

    def test_libvirt_error(self):
        # libvirtError(msg) reports libvirt's last error if there is one.
        libvirt.virResetLastError()
        self.replies[('query-cpus-fast', None)] = libvirt.libvirtError(
            'Requested operation is not valid: domain is not running')
        with self.assertRaises(exception.GuestIntrospectionFailed) as ctx:
            self.guest.get_phys_bits()
        self.assertEqual(
            'Cannot read QMP query-cpus-fast of guest instance-1: Requested '
            'operation is not valid: domain is not running',
            str(ctx.exception))

    def test_qmp_error_reply(self):
        self.set_cpu(42, False, 0)
        self.replies[('qom-get', 'phys-bits')] = {'error': {
            'class': 'GenericError', 'desc': "Property 'phys-bits' not found"}}
        with self.assertRaises(exception.GuestIntrospectionFailed) as ctx:
            self.guest.get_phys_bits()
        self.assertIn("Cannot read QMP qom-get of guest instance-1: QEMU "
                      "answered {'class': 'GenericError'", str(ctx.exception))

    def test_not_json_and_no_vcpu(self):
        self.replies[('query-cpus-fast', None)] = 'garbage'
        with self.assertRaises(exception.GuestIntrospectionFailed) as ctx:
            self.guest.get_phys_bits()
        self.assertIn('the reply is not JSON', str(ctx.exception))
        self.replies[('query-cpus-fast', None)] = {'return': []}
        with self.assertRaises(exception.GuestIntrospectionFailed) as ctx:
            self.guest.get_phys_bits()
        self.assertEqual('Cannot read the vCPU properties of guest '
                         'instance-1: QEMU listed no vCPU: []',
                         str(ctx.exception))


class CommandLineTest(unittest.TestCase):

    def setUp(self):
        self.proc = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.proc)
        patcher = mock.patch.object(qemu, 'PROC', self.proc)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.guest = running_guest()

    def add_process(self, pid, *args):
        os.mkdir(os.path.join(self.proc, str(pid)))
        with open(os.path.join(self.proc, str(pid), 'cmdline'), 'wb') as f:
            f.write(b''.join(a.encode() + b'\0' for a in args))

    def test_cpu_arg_of_the_guests_qemu(self):
        os.mkdir(os.path.join(self.proc, 'self'))
        self.add_process(10, '/bin/sh')
        self.add_process(11, 'qemu-system-x86_64', '-cpu', 'qemu64',
                         '-uuid', 'another-uuid')
        self.add_process(12, 'qemu-system-x86_64', '-name', 'guest=x',
                         '-cpu', 'qemu64,phys-bits=42', '-uuid', UUID, '-S')
        os.mkdir(os.path.join(self.proc, '13'))  # exited: no cmdline
        # Process 12's command line, found by the guest's -uuid.
        self.assertEqual(['qemu-system-x86_64', '-name', 'guest=x', '-cpu',
                          'qemu64,phys-bits=42', '-uuid', UUID, '-S'],
                         self.guest.get_qemu_cmdline())
        self.assertEqual('qemu64,phys-bits=42',
                         self.guest.get_qemu_cpu_arg())

    def test_no_process(self):
        self.add_process(11, 'qemu-system-x86_64', '-uuid', UUID + '0')
        with self.assertRaises(exception.GuestIntrospectionFailed) as ctx:
            self.guest.get_qemu_cpu_arg()
        self.assertEqual(
            'Cannot read the QEMU process of guest instance-1: no process '
            'has -uuid %s on its command line (is the guest running on this '
            'host?)' % UUID, str(ctx.exception))

    def test_no_cpu_argument(self):
        self.add_process(12, 'qemu-system-x86_64', '-uuid', UUID)
        with self.assertRaises(exception.GuestIntrospectionFailed) as ctx:
            self.guest.get_qemu_cpu_arg()
        self.assertIn('QEMU was started without -cpu: qemu-system-x86_64 '
                      '-uuid %s' % UUID, str(ctx.exception))
