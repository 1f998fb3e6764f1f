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

"""``nova-maxphysaddr``: the feature's operator tool, shaped like the
OpenStack commands operators know (cliff, oslo.config, oslo.log).

Global options: ``--config-file`` / ``--config-dir`` (nova.conf: without
them, oslo.config's usual places such as ``/etc/nova/nova.conf``),
``--debug`` (oslo.log at DEBUG: the scheduler filters' reasons, libvirt's
calls), ``-v``/``-q``, ``--log-file``, ``--version``.  Commands:
``demo`` (the main job), ``boot``, ``host``, ``check``, ``audit`` and
``advise``; ``nova-maxphysaddr help COMMAND`` describes each.
"""

from __future__ import annotations

import argparse
import logging as py_logging
import sys
from typing import Any

from cliff import app
from cliff import command
from cliff import commandmanager
from oslo_config import cfg
from oslo_log import log
import pbr.version

import nova.conf
from nova.cli import advise
from nova.cli import audit
from nova.cli import boot
from nova.cli import check
from nova.cli import common
from nova.cli import host
from nova import objects

CONF = nova.conf.CONF
PROG = 'nova-maxphysaddr'
DESCRIPTION = ("Nova's libvirt maxphysaddr support for operators: will a "
               'flavor boot, where, with how many physical address bits, '
               'and what a compute host reports.')
DISTRIBUTION = 'nova-maxphysaddr'
COMMANDS: dict[str, type[command.Command]] = {
    'demo': boot.Demo,
    'boot': boot.Boot,
    'host': host.Host,
    'check': check.Check,
    'audit': audit.Audit,
    'advise': advise.Advise,
}
# What the console shows by -v count (oslo.log sets up the handlers).
_VERBOSITY_LEVELS = {0: py_logging.ERROR, 1: py_logging.WARNING,
                     2: py_logging.INFO}

log.register_options(CONF)
# Log to stderr: stdout carries the command's answer (-f json).
CONF.set_default('use_stderr', True)


def version() -> str:
    return pbr.version.VersionInfo(DISTRIBUTION).version_string()


class MaxPhysAddrApp(app.App):
    """The cliff application, with Nova's configuration and logging."""

    NAME = PROG

    def __init__(self) -> None:
        manager = commandmanager.CommandManager('nova_maxphysaddr.cli')
        for name, cls in COMMANDS.items():
            manager.add_command(name, cls)
        super().__init__(
            description=DESCRIPTION,
            version=version(), command_manager=manager,
            deferred_help=True)

    def build_option_parser(self, description: str | None,
                            version: str | None,
                            argparse_kwargs: dict[str, Any] | None = None
                            ) -> argparse.ArgumentParser:
        parser = super().build_option_parser(
            description, version, dict(argparse_kwargs or {}, prog=PROG))
        for action in parser._actions:
            # cliff names the program after sys.argv[0].
            if isinstance(action, argparse._VersionAction):
                action.version = '%s %s' % (PROG, version)
        parser.add_argument(
            '--config-file', action='append', default=[], metavar='PATH',
            help='A nova.conf to read (repeatable; later files win). '
                 'Without --config-file or --config-dir, the usual places '
                 '(~/.nova/nova.conf, /etc/nova/nova.conf, ...) are read.')
        parser.add_argument(
            '--config-dir', action='append', default=[], metavar='DIR',
            help='A directory of *.conf files to read after the files.')
        return parser

    def configure_logging(self) -> None:
        """Read nova.conf, then set up oslo.log from it and the flags."""
        explicit = bool(self.options.config_file or self.options.config_dir)
        try:
            CONF(args=[], project='nova', prog=PROG, version=version(),
                 default_config_files=(self.options.config_file
                                       if explicit else None),
                 default_config_dirs=(self.options.config_dir
                                      if explicit else None))
        except (cfg.Error, OSError) as exc:
            print('ERROR: cannot read the configuration: %s' % exc,
                  file=sys.stderr)
            raise SystemExit(common.EXIT_ERROR)
        CONF.set_override('debug', self.options.debug)
        if self.options.log_file:
            CONF.set_override('log_file', self.options.log_file)
        log.setup(CONF, PROG)
        if not self.options.debug:
            py_logging.getLogger().setLevel(_VERBOSITY_LEVELS.get(
                self.options.verbose_level, py_logging.DEBUG))

    def run(self, argv: list[str]) -> int:
        if not argv:
            # cliff would open an interactive shell; operators want help.
            argv = ['--help']
        return super().run(argv)


def main(argv: list[str] | None = None) -> int:
    objects.register_all()
    try:
        result = MaxPhysAddrApp().run(sys.argv[1:] if argv is None
                                      else list(argv))
    finally:
        CONF.clear_override('debug')
        CONF.clear_override('log_file')
    if result == 130:
        print('Interrupted.', file=sys.stderr)
    return result
