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

"""Ask QEMU itself whether it starts a guest: the oracle of the sizing rule.

QEMU is started directly (no libvirt), stopped before the guest runs
(``-S``), with its RAM a ``memory-backend-ram`` that reserves nothing, so a
4 TiB guest costs nothing here and one answer takes about 0.1 s.  QEMU
checks the guest's memory map against ``2**phys-bits`` while it builds the
machine, so a refusal ("Address space limit 0x... < 0x... phys-bits too
low (N)") comes before anything runs; an accepted guest answers on QMP and
is told to quit.

Two QEMUs: the system's (Debian 12: 7.2) and QEMU 10.0 from
bookworm-backports, fetched and extracted by ``tools/fetch-qemu.sh`` (which
``./run test`` runs first).
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess

from nova.demo import embedded

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FETCH_QEMU = os.path.join(REPO, 'tools', 'fetch-qemu.sh')
BINARY = 'qemu-system-x86_64'
START_TIMEOUT = 60
# TCG's models of each vendor (the rule depends on the vendor).
AMD_MODEL = 'qemu64'        # AuthenticAMD
INTEL_MODEL = 'Skylake-Client'
MODELS = {AMD_MODEL: True, INTEL_MODEL: False}  # model -> AMD vendor

_VERSION_RE = re.compile(r'QEMU emulator version (\d+\.\d+\.\d+)')
_TOO_LOW_RE = re.compile(r'Address space limit (0x[0-9a-f]+) < '
                         r'(0x[0-9a-f]+) phys-bits too low \((\d+)\)')
_QMP_QUIT = b'{"execute": "qmp_capabilities"}\n{"execute": "quit"}\n'


@dataclasses.dataclass(frozen=True)
class QEMU:
    """One QEMU build: how to run it, and its version."""

    argv: tuple[str, ...]
    version: str


@dataclasses.dataclass(frozen=True)
class Verdict:
    accepted: bool
    needed: int | None
    """The last address QEMU said the guest needs, when it refused."""


def _qemu(binary: str, *data_dirs: str) -> QEMU:
    argv: tuple[str, ...] = (binary,)
    for directory in data_dirs:
        argv += ('-L', directory)
    out = subprocess.run(argv + ('--version',), capture_output=True,
                         text=True, check=True).stdout
    match = _VERSION_RE.search(out)
    if match is None:
        raise RuntimeError('%s --version said %r' % (binary, out))
    return QEMU(argv, match.group(1))


def system_qemu() -> QEMU | None:
    """The installed QEMU, or None when there is none."""
    path = embedded.find_qemu_binary()
    return None if path is None else _qemu(path)


def backports_qemu() -> QEMU:
    """QEMU 10.0 from bookworm-backports (fetched on first use).

    :raises subprocess.CalledProcessError: it could not be fetched
    """
    root = subprocess.run([FETCH_QEMU], capture_output=True, text=True,
                          check=True).stdout.strip().splitlines()[-1]
    return _qemu(os.path.join(root, 'usr', 'bin', BINARY),
                 os.path.join(root, 'usr', 'share', 'qemu'),
                 os.path.join(root, 'usr', 'share', 'seabios'))


def start(qemu: QEMU, machine: str, model: str, memory_mb: int,
          bits: int) -> Verdict:
    """Whether ``qemu`` starts a ``machine`` guest of ``memory_mb`` with a
    ``model`` CPU of ``phys-bits=bits`` (under TCG).

    :raises RuntimeError: QEMU failed for another reason
    """
    argv = qemu.argv + (
        '-machine', '%s,memory-backend=ram0' % machine,
        '-object', 'memory-backend-ram,id=ram0,size=%dM,reserve=off'
        % memory_mb,
        '-m', '%dM' % memory_mb, '-accel', 'tcg',
        '-cpu', '%s,phys-bits=%d' % (model, bits),
        '-S', '-display', 'none', '-nodefaults', '-qmp', 'stdio')
    result = subprocess.run(argv, input=_QMP_QUIT, capture_output=True,
                            timeout=START_TIMEOUT)
    output = (result.stdout + result.stderr).decode(errors='replace')
    refusal = _TOO_LOW_RE.search(output)
    if refusal is not None:
        return Verdict(False, int(refusal.group(2), 16))
    if result.returncode == 0 and '"return"' in output:
        return Verdict(True, None)
    raise RuntimeError('QEMU %s failed (exit %d): %s' % (
        qemu.version, result.returncode, output[-500:]))


# --- the matrix: what is asked of every QEMU --------------------------------

MACHINES = ('q35', 'pc')
BITS = tuple(range(32, 45))
_GiB = 1024
# RAM sizes (MiB) at every boundary of the two memory maps, with why.
SIZES = {
    1 * _GiB: 'all RAM below 4 GiB',
    0xB0000000 // 2 ** 20 - 1: 'q35: the largest RAM kept below 4 GiB',
    0xB0000000 // 2 ** 20: 'q35: 2 GiB below 4 GiB, the rest above',
    0xE0000000 // 2 ** 20 - 1: 'pc: the largest RAM kept below 4 GiB',
    0xE0000000 // 2 ** 20: 'pc: 3 GiB below 4 GiB, the rest above',
    4 * _GiB: '4 GiB',
    30 * _GiB: 'q35: the last size that fits 36 bits',
    30 * _GiB + 1: 'q35: the first that needs 37',
    61 * _GiB: 'pc: the last size that fits 36 bits',
    61 * _GiB + 1: 'pc: the first that needs 37',
    978 * _GiB: 'q35, AMD: the last size below the HyperTransport hole',
    978 * _GiB + 1: 'q35, AMD: high RAM moves to 1 TiB',
    990 * _GiB: 'q35, Intel: the last size that fits 40 bits',
    990 * _GiB + 1: 'q35, Intel: the first that needs 41',
    1009 * _GiB: 'pc, AMD: the last size below the HyperTransport hole',
    1009 * _GiB + 1: 'pc, AMD: high RAM moves to 1 TiB',
    1021 * _GiB: 'pc, Intel: the last size that fits 40 bits',
    1021 * _GiB + 1: 'pc, Intel: the first that needs 41',
    1024 * _GiB: '1 TiB',
    1536 * _GiB: '1.5 TiB: the guest the feature exists for',
    4096 * _GiB: '4 TiB',
}
