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

"""Sphinx directives for the ``nova-maxphysaddr`` reference, rendered from
the cliff application itself, so the reference cannot drift from the tool.

``.. cli-help::``
    The global options, a table of the commands with their summaries, and
    the ``--help`` of every command, from the commands' own parsers.
``.. cli-exit-codes::``
    The exit codes, with the numbers taken from :mod:`nova.cli.common` and
    from cliff (interrupted); the meanings are written here.
"""

from __future__ import annotations

from cliff import app as cliff_app
from docutils import nodes
from docutils.parsers.rst import Directive

from nova.cli import app
from nova.cli import common

import doc_tables


def _summary(description: str) -> str:
    """The first paragraph of a command's description, on one line (with
    the docstring's reStructuredText literals as plain text)."""
    return ' '.join(description.split('\n\n')[0].replace('``', '').split())


def _table(header: list[str], rows: list[list[str]]) -> nodes.table:
    """Command names and exit codes as code, then what they mean."""
    return doc_tables.table(header, rows, literal_first=True,
                            widths=[1] + [4] * (len(header) - 1))


class CLIHelpDirective(Directive):

    def run(self) -> list[nodes.Node]:
        application = app.MaxPhysAddrApp()
        commands = {name: cls(application, None)
                    for name, cls in app.COMMANDS.items()}
        result: list[nodes.Node] = [
            nodes.literal_block(text=application.parser.format_help()),
            _table(['command', 'what it does'],
                   [[name, _summary(command.get_description())]
                    for name, command in commands.items()]),
        ]
        for name, command in commands.items():
            parser = command.get_parser('%s %s' % (app.PROG, name))
            section = nodes.section(ids=['cli-' + name])
            section += nodes.title(text='%s %s' % (app.PROG, name))
            section += nodes.literal_block(text=parser.format_help())
            result.append(section)
        return result


# (exit code, when): every command's codes are these.
_EXIT_CODES = (
    (common.EXIT_OK, 'ok: the answer is yes (it validates, it boots, '
     'it fits), or the command only reports (host)'),
    (common.EXIT_WARNING, 'warning: it works, but read the messages '
     '(check and audit only)'),
    (common.EXIT_FAILURE, 'failure: refused or will not boot; also a usage '
     'error (a bad option or value, an unknown command), as for every '
     'argparse program'),
    (common.EXIT_ERROR, 'the command could not do its job: libvirt or QEMU '
     'unreachable or missing, an unreadable input or nova.conf, an '
     'unexpected error'),
    (cliff_app._SIGINT_EXIT, 'interrupted (Ctrl-C); "Interrupted." on '
     'stderr, and an embedded QEMU root the command made is removed'),
)


class CLIExitCodesDirective(Directive):

    def run(self) -> list[nodes.Node]:
        return [_table(['exit code', 'meaning'],
                       [[str(code), text] for code, text in _EXIT_CODES])]


def setup(app_: object) -> dict[str, bool]:
    app_.add_directive('cli-help', CLIHelpDirective)  # type: ignore
    app_.add_directive('cli-exit-codes',  # type: ignore
                       CLIExitCodesDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
