"""The command line: ``python -m rapyer <command> ...``.

Each command is a module of this package with ``NAME``, ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int`` (the exit status); list it in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from rapyer._cli import indexes

COMMANDS = (indexes,)


def parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    top = argparse.ArgumentParser(
        prog="python -m rapyer", description="rapyer's command-line tools"
    )
    commands = top.add_subparsers(dest="command", metavar="command", required=True)
    for command in COMMANDS:
        sub = commands.add_parser(command.NAME, help=command.HELP, description=command.HELP)
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in ``argv`` (default: the process arguments)."""
    args = parser().parse_args(argv)
    return int(args.run(args))
