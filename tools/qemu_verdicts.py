#!/usr/bin/env python3
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

"""Record what real QEMU says about every guest of the sizing matrix.

    .venv/bin/python tools/qemu_verdicts.py [--output PATH]

For the system's QEMU and QEMU 10.0 from bookworm-backports (fetched by
tools/fetch-qemu.sh), both machine types (q35, pc), an AMD-vendor and an
Intel-vendor CPU model, and every RAM size at a boundary of the memory map
(``tests.qemu_direct.SIZES``), QEMU is started at each width from 32 to 44
bits.  The verdicts go to doc/source/data/qemu-verdicts.json, which the
docs render (doc/source/admin/qemu-verdicts.rst) and
tests/e2e/test_qemu_matrix.py checks against QEMU on every CI run: a
changed QEMU, or a changed matrix, makes that test fail until this tool is
run again.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests import qemu_direct  # noqa: E402

OUTPUT = os.path.join(REPO, 'doc', 'source', 'data', 'qemu-verdicts.json')


def measure(qemu: qemu_direct.QEMU) -> dict:
    cells: dict = {}
    for machine in qemu_direct.MACHINES:
        for model in qemu_direct.MODELS:
            for memory_mb in qemu_direct.SIZES:
                verdicts, needed = [], None
                for bits in qemu_direct.BITS:
                    verdict = qemu_direct.start(qemu, machine, model,
                                                memory_mb, bits)
                    verdicts.append('+' if verdict.accepted else '-')
                    if verdict.needed is not None:
                        needed = verdict.needed
                cells.setdefault(machine, {}).setdefault(model, {})[
                    str(memory_mb)] = {
                        'verdicts': ''.join(verdicts),
                        'needed': None if needed is None else '%#x' % needed}
    return cells


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--output', default=OUTPUT)
    args = parser.parse_args()
    qemus = [q for q in (qemu_direct.system_qemu(),
                         qemu_direct.backports_qemu()) if q is not None]
    started = time.monotonic()
    doc = {
        'generated_by': 'tools/qemu_verdicts.py',
        'bits': list(qemu_direct.BITS),
        'sizes': {str(mb): why for mb, why in qemu_direct.SIZES.items()},
        'models': {model: 'AMD' if amd else 'Intel'
                   for model, amd in qemu_direct.MODELS.items()},
        'qemus': {q.version: measure(q) for q in qemus},
    }
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, 'w') as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write('\n')
    starts = len(qemus) * len(qemu_direct.MACHINES) * len(
        qemu_direct.MODELS) * len(qemu_direct.SIZES) * len(qemu_direct.BITS)
    print('%d QEMU starts in %.0f s: %s' % (
        starts, time.monotonic() - started, args.output))
    return 0


if __name__ == '__main__':
    sys.exit(main())
