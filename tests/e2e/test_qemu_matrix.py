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

"""The sizing rule against real QEMU: QEMU 7.2 (the system's) and 10.0.2
(bookworm-backports), q35 and pc, an AMD and an Intel CPU model, every RAM
size at a boundary of the memory map, widths 32 to 44.

The oracle is QEMU: each guest is started (``tests.qemu_direct``), and

* no width the rule accepts is refused by either QEMU;
* the rule for the CPU's actual vendor is exact (QEMU needs exactly its
  minimum, at the address it computes);
* the rule the API applies (the AMD layout, as the vendor is unknown there)
  asks for at most one bit more than QEMU needs;
* QEMU's verdicts are the ones recorded in doc/source/data/
  qemu-verdicts.json (``tools/qemu_verdicts.py``), which the docs show.

QEMU runs directly, without libvirt, and as any user.
"""

import json
import os
import unittest

from nova_maxphysaddr.rules import sizing
from nova_maxphysaddr.rules import values

from tests.e2e import base
from tests import qemu_direct

RECORDED = os.path.join(qemu_direct.REPO, 'doc', 'source', 'data',
                        'qemu-verdicts.json')


def _qemus():
    system = qemu_direct.system_qemu()
    if system is None:
        base.unavailable(base.QEMU_MISSING)
    return [system, qemu_direct.backports_qemu()]


def _measured_verdicts(qemu, machine, model, memory_mb):
    """QEMU's verdict for every width of the matrix, from three starts:
    32 (QEMU 7.1 to 8.1 skip their check there), 33 (a refusal names the
    address the guest needs, so the smallest width that fits), and that
    width and the one below it, to see the boundary for real."""
    at_32 = qemu_direct.start(qemu, machine, model, memory_mb, 32)
    at_33 = qemu_direct.start(qemu, machine, model, memory_mb, 33)
    needed = at_33.needed
    first = 33 if at_33.accepted else needed.bit_length()
    if first <= qemu_direct.BITS[-1]:
        accepted = qemu_direct.start(qemu, machine, model, memory_mb, first)
        assert accepted.accepted, (qemu.version, machine, model, memory_mb,
                                   first)
    if first - 1 > 33:
        refused = qemu_direct.start(qemu, machine, model, memory_mb,
                                    first - 1)
        assert not refused.accepted and refused.needed == needed
    verdicts = ''.join(
        '+' if (bits == 32 and at_32.accepted) or
        (bits > 32 and bits >= first) else '-'
        for bits in qemu_direct.BITS)
    return verdicts, needed, first


class QEMUMatrixTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.qemus = _qemus()
        with open(RECORDED) as f:
            cls.recorded = json.load(f)
        cls.cells = {}
        for qemu in cls.qemus:
            for machine in qemu_direct.MACHINES:
                for model in qemu_direct.MODELS:
                    for memory_mb in qemu_direct.SIZES:
                        cls.cells[(qemu.version, machine, model,
                                   memory_mb)] = _measured_verdicts(
                            qemu, machine, model, memory_mb)

    def test_both_qemu_versions(self):
        self.assertEqual(['10.0', '7.2'],
                         sorted(q.version.rsplit('.', 1)[0]
                                for q in self.qemus))

    def test_the_rule_never_accepts_what_qemu_refuses(self):
        for (version, machine, model, mb), (verdicts, _, _) in \
                self.cells.items():
            layout = sizing.GuestLayout(mb, machine)
            for bits, verdict in zip(qemu_direct.BITS, verdicts):
                if sizing.bits_fit(layout, bits):
                    with self.subTest(qemu=version, machine=machine,
                                      model=model, memory_mb=mb, bits=bits):
                        self.assertEqual('+', verdict)

    def test_32_bits_are_never_accepted(self):
        # QEMU >= 8.2 refuses them for every 64-bit guest.
        for mb in qemu_direct.SIZES:
            for machine in qemu_direct.MACHINES:
                self.assertFalse(sizing.bits_fit(
                    sizing.GuestLayout(mb, machine), values.BITS_MIN))

    def test_the_vendor_rule_is_exact(self):
        for (version, machine, model, mb), (_, needed, first) in \
                self.cells.items():
            with self.subTest(qemu=version, machine=machine, model=model,
                              memory_mb=mb):
                layout = sizing.GuestLayout(mb, machine)
                amd = qemu_direct.MODELS[model]
                self.assertEqual(first, sizing.min_bits(layout, amd))
                if needed is not None:
                    self.assertEqual(
                        needed, sizing.address_space_end(layout, amd) - 1)

    def test_the_api_rule_asks_at_most_one_bit_more(self):
        for (version, machine, model, mb), (_, _, first) in \
                self.cells.items():
            with self.subTest(qemu=version, machine=machine, model=model,
                              memory_mb=mb):
                enforced = sizing.min_bits(sizing.GuestLayout(mb, machine))
                self.assertGreaterEqual(enforced, first)
                self.assertLessEqual(enforced - first, 1)

    def test_an_unknown_machine_type_takes_the_larger_map(self):
        # The plugin's API does not know the computes' machine type.
        for (version, machine, model, mb), (_, _, first) in \
                self.cells.items():
            with self.subTest(qemu=version, machine=machine, model=model,
                              memory_mb=mb):
                self.assertGreaterEqual(
                    sizing.min_bits(sizing.GuestLayout(mb, None)), first)

    def test_qemu_says_what_the_docs_say(self):
        for (version, machine, model, mb), (verdicts, needed, _) in \
                self.cells.items():
            with self.subTest(qemu=version, machine=machine, model=model,
                              memory_mb=mb):
                recorded = self.recorded['qemus'][version][machine][model][
                    str(mb)]
                self.assertEqual(recorded['verdicts'], verdicts,
                                 'run tools/qemu_verdicts.py')
        self.assertEqual(sorted(q.version for q in self.qemus),
                         sorted(self.recorded['qemus']))
        self.assertEqual({str(mb) for mb in qemu_direct.SIZES},
                         set(self.recorded['sizes']))
