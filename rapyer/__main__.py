"""``python -m rapyer <command>``: rapyer's command line (one module per subcommand)."""

from __future__ import annotations

import argparse
import sys

from rapyer import _cli_migrate


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen subcommand; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m rapyer")
    subparsers = parser.add_subparsers(dest="command", required=True)
    _cli_migrate.add_parser(subparsers)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
