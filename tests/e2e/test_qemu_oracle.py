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

"""Property: whatever the API accepts, real QEMU starts.

Random flavors (RAM from 1 MiB to 8 TiB, any width 32..52, either machine
type) go through the resolver the API, scheduler and driver share; every
request it accepts is started by QEMU 7.2 and QEMU 10.0.2, with an AMD and
an Intel CPU model.  This replaces a property whose oracle was the rule
itself.
"""

import unittest

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from nova import exception
from nova.virt import hardware

from tests import fakes
from tests import properties  # noqa: F401  (loads the hypothesis profile)
from tests.e2e import base
from tests import qemu_direct

MAX_MB = 8 * fakes.MiB_PER_TiB
# Each example starts QEMU four times (two versions, two vendors).
EXAMPLES = 30


class AcceptedMeansStartedTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        system = qemu_direct.system_qemu()
        if system is None:
            base.unavailable(base.QEMU_MISSING)
        cls.qemus = [system, qemu_direct.backports_qemu()]

    @settings(max_examples=EXAMPLES, deadline=None)
    @given(memory_mb=st.integers(1, MAX_MB),
           bits=st.integers(32, 52),
           machine=st.sampled_from(['q35', 'pc', 'pc-q35-7.2',
                                    'pc-i440fx-8.2']))
    def test_accepted_requests_start(self, memory_mb, bits, machine):
        flavor = fakes.emulate(bits, memory_mb)
        image = fakes.image(hw_machine_type=machine)
        try:
            request = hardware.get_maxphysaddr_request(flavor, image)
        except exception.MaxPhysAddrBitsTooSmall:
            return
        except exception.InvalidMaxPhysAddrRequest as exc:
            # Only for RAM no width can hold.
            self.assertIn('more than QEMU allows', str(exc))
            return
        self.assertEqual(bits, request.bits)
        # A versioned type is only in the QEMU that has it: ask with its
        # family's alias, whose map is the same.
        alias = 'q35' if 'q35' in machine else 'pc'
        for qemu in self.qemus:
            for model in qemu_direct.MODELS:
                verdict = qemu_direct.start(qemu, alias, model, memory_mb,
                                            bits)
                self.assertTrue(verdict.accepted, (qemu.version, model,
                                                   verdict))
