"""The command line: ``python -m rapyer <command> ...``.

Each command is a module of this package with ``add_parser(subparsers)``, which adds its
parser and sets ``run`` (``run(args) -> int``, the exit status) as its default; list it in
``COMMANDS``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from rapyer._cli import indexes, migrate_original

COMMANDS = (indexes, migrate_original)


def parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    top = argparse.ArgumentParser(prog="python -m rapyer", description="rapyer's command line")
    subparsers = top.add_subparsers(dest="command", metavar="command", required=True)
    for command in COMMANDS:
        command.add_parser(subparsers)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command; returns the exit status."""
    args = parser().parse_args(argv)
    return int(args.run(args))
