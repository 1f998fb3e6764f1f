"""Sphinx directive: the ``--help`` of ``nova-maxphysaddr`` and every
command, rendered from the cliff application's own parsers, so the
reference cannot drift from the tool."""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import Directive

from nova.cli import app


class CLIHelpDirective(Directive):

    def run(self) -> list[nodes.Node]:
        application = app.MaxPhysAddrApp()
        result: list[nodes.Node] = [
            nodes.literal_block(text=application.parser.format_help())]
        for name, cls in app.COMMANDS.items():
            command = cls(application, None)
            parser = command.get_parser('%s %s' % (app.PROG, name))
            section = nodes.section(ids=['cli-' + name])
            section += nodes.title(text='%s %s' % (app.PROG, name))
            section += nodes.literal_block(text=parser.format_help())
            result.append(section)
        return result


def setup(app_: object) -> dict[str, bool]:
    app_.add_directive('cli-help', CLIHelpDirective)  # type: ignore
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
