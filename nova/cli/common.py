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

"""What every ``nova-maxphysaddr`` command shares: exit codes, argument
types, and the verdict an operator acts on.

Exit codes follow ``nova-status upgrade check``: 0 everything is fine, 1 a
warning (it works, but look), 2 a failure (it will be refused or will not
boot; also a usage error, as for every argparse command), 255 the command
could not do its job (libvirt unreachable, an unreadable input file).
"""

from __future__ import annotations

import argparse
import dataclasses
import fractions
import re
import sys
from typing import Any

from cliff import command
from cliff import lister
from cliff import show
from nova_maxphysaddr.rules import values

from nova import exception

EXIT_OK = 0
EXIT_WARNING = 1
EXIT_FAILURE = 2
EXIT_ERROR = 255

OK = 'ok'
WARNING = 'warning'
FAILURE = 'failure'
_EXIT_CODES = {OK: EXIT_OK, WARNING: EXIT_WARNING, FAILURE: EXIT_FAILURE}
_SEVERITY = (OK, WARNING, FAILURE)

MiB_PER_GiB = 1024
MiB_PER_TiB = 1024 * 1024

# A size as operators write flavors: MiB by default, or a binary unit.
_SIZE_RE = re.compile(
    r'(?P<num>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>[A-Za-z]*)\Z')
_UNITS_MB = {'': 1, 'm': 1, 'mib': 1, 'g': MiB_PER_GiB, 'gib': MiB_PER_GiB,
             't': MiB_PER_TiB, 'tib': MiB_PER_TiB}
# Decimal units: refused, with why.
_DECIMAL_UNITS = ('mb', 'gb', 'tb')


def parse_size_mb(text: str) -> int:
    """'1536G', '1.5T', '1.5TiB', '2048M' or '2048' (MiB) -> MiB.

    Exact (no float: a large size would be rounded), whole MiB only, and
    binary units only.  oslo.utils' ``string_to_bytes`` goes through a
    float, so it is not used here.
    """
    match = _SIZE_RE.match(text.strip())
    unit = match['unit'].lower() if match else None
    if match is not None and unit in _DECIMAL_UNITS:
        raise argparse.ArgumentTypeError(
            'size %r: MB, GB and TB are ambiguous (10**6, 10**9, 10**12 '
            'bytes, or binary?); Nova\'s sizes are binary (flavor RAM is '
            'in MiB, and what Nova calls GB is GiB): write %s%s or %s%siB'
            % (text, match['num'], unit[0].upper(), match['num'],
               unit[0].upper()))
    if match is None or unit not in _UNITS_MB:
        raise argparse.ArgumentTypeError(
            'size %r: expected MiB (2048), or a number with M, G, T, MiB, '
            'GiB or TiB (64G, 1.5T, 1536GiB)' % text)
    mib = fractions.Fraction(match['num']) * _UNITS_MB[unit]
    if mib.denominator != 1 or mib <= 0:
        raise argparse.ArgumentTypeError(
            'size %r: must be a positive whole number of MiB' % text)
    return int(mib)


def _int_argument(text: str, minimum: int) -> int:
    try:
        return values.strict_int(text, minimum)
    except ValueError as exc:
        raise argparse.ArgumentTypeError('%r %s' % (text, exc))


def non_negative_int(text: str) -> int:
    return _int_argument(text, 0)


def positive_int(text: str) -> int:
    """A count Nova's flavor API requires to be at least 1 (vCPUs)."""
    return _int_argument(text, 1)


def key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition('=')
    if not sep or not key:
        raise argparse.ArgumentTypeError(
            '%r: expected KEY=VALUE, e.g. hw:maxphysaddr_mode=emulate' % text)
    return key, value


def format_mib(mib: int) -> str:
    for unit, size in (('TiB', MiB_PER_TiB), ('GiB', MiB_PER_GiB)):
        if mib >= size:
            return '%g %s' % (mib / size, unit)
    return '%d MiB' % mib


def error_dict(exc: exception.NovaException) -> dict[str, Any]:
    """A refusal as JSON: its type, its message, and the API's answer."""
    return {'type': type(exc).__name__, 'message': exc.format_message(),
            'http_status': exc.code}


def worst(verdicts: list[str]) -> str:
    """The most severe of ``verdicts`` (ok < warning < failure)."""
    return max(verdicts, key=_SEVERITY.index, default=OK)


@dataclasses.dataclass
class Verdict:
    """What a command concluded, and why: its exit code follows."""

    verdict: str = OK
    messages: list[str] = dataclasses.field(default_factory=list)

    def add(self, verdict: str, message: str) -> None:
        self.verdict = worst([self.verdict, verdict])
        self.messages.append('%s: %s' % (verdict.upper(), message))

    @property
    def exit_code(self) -> int:
        return _EXIT_CODES[self.verdict]


def progress(message: str) -> None:
    """A line for the operator while a slow command works (stderr, so
    that ``-f json`` output stays parseable)."""
    print(message, file=sys.stderr, flush=True)


class CommandError(Exception):
    """The command could not do its job (exit 255), with the reason."""


def _interrupted(exc: BaseException) -> bool:
    """Whether Ctrl-C caused ``exc``: a KeyboardInterrupt raised inside a
    libvirt callback surfaces as the SystemError of the libvirt call."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


class _ExitCodes:
    """Commands return nova-status exit codes, and never a traceback."""

    exit_code = EXIT_OK

    def run(self, parsed_args: argparse.Namespace) -> int:
        try:
            result = super().run(parsed_args)  # type: ignore[misc]
        except (CommandError, exception.HypervisorUnavailable,
                exception.EmbeddedQEMUUnavailable) as exc:
            print('ERROR: %s' % exc, file=sys.stderr)
            return EXIT_ERROR
        except Exception as exc:
            if _interrupted(exc):
                # cliff answers an interrupt with 130, as a shell does.
                raise KeyboardInterrupt() from exc
            if self.app_args.debug:  # type: ignore[attr-defined]
                raise
            print('ERROR: unexpected failure (run with --debug for the '
                  'traceback): %s' % sys.exc_info()[1], file=sys.stderr)
            return EXIT_ERROR
        return result or self.exit_code


class Command(_ExitCodes, command.Command):
    """A command that prints as it goes; ``take_action`` returns the exit
    code."""


class ShowOne(_ExitCodes, show.ShowOne):
    """A command whose answer is one record (``-f table|json|yaml|value``,
    ``-c COLUMN``); ``take_action`` sets ``exit_code``."""


class Lister(_ExitCodes, lister.Lister):
    """A command whose answer is a table of records; ``take_action`` sets
    ``exit_code``."""


HUMAN_FORMATS = ('table', 'value', 'shell')


def displayed(value: Any, formatter: str) -> Any:
    """A value as the output format shows it: lists and mappings as
    lines for people (table, value), as they are for json and yaml."""
    if formatter not in HUMAN_FORMATS:
        return value
    if isinstance(value, dict):
        return '\n'.join('%s=%s' % item for item in sorted(value.items())
                         if item[1] is not None)
    if isinstance(value, (list, tuple)):
        return '\n'.join(str(v) for v in value)
    return '' if value is None else value


def record(fields: dict[str, Any], parsed_args: argparse.Namespace
           ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """``fields`` as ShowOne's (columns, values) for the chosen format."""
    return (tuple(fields), tuple(displayed(v, parsed_args.formatter)
                                 for v in fields.values()))
