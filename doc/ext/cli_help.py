"""Sphinx directive: the ``--help`` of every nova-maxphysaddr subcommand.

Rendered from the argument parser itself, so the reference cannot drift from
the command.
"""

import argparse

from docutils import nodes
from docutils.parsers.rst import Directive

from nova.cmd import maxphysaddr


class CLIHelpDirective(Directive):

    def run(self):
        parser = maxphysaddr.build_parser()
        result = [nodes.literal_block(text=parser.format_help())]
        subparsers = next(a for a in parser._actions
                          if isinstance(a, argparse._SubParsersAction))
        for name, sub in subparsers.choices.items():
            section = nodes.section(ids=['cli-' + name])
            section += nodes.title(text='nova-maxphysaddr ' + name)
            section += nodes.literal_block(text=sub.format_help())
            result.append(section)
        return result


def setup(app):
    app.add_directive('cli-help', CLIHelpDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
