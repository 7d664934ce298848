"""``python -m rapyer migrate-original app.models``: rewrite the documents the original rapyer
1.3 wrote (its pickles) as plain JSON, with a progress bar on stderr."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from rapyer._cli.common import load_models
from rapyer._sync.migrate import migrate_original

NAME = "migrate-original"


def add_parser(subparsers: Any) -> None:
    """Register the ``migrate-original`` subcommand on an ``argparse`` subparsers object."""
    parser = subparsers.add_parser(
        NAME,
        help="rewrite documents of the original rapyer 1.3 (pickles) as plain JSON",
        description=(
            "Import the modules, then rewrite every document of their models that holds "
            "values the original rapyer pickled. Idempotent: documents already in rapyer's "
            "form are left alone, so it can run again at any time."
        ),
    )
    parser.add_argument("modules", nargs="+", help="modules defining the models (app.models)")
    parser.add_argument("--redis", help="Redis URL (default: the models' Meta, REDIS_URL)")
    parser.add_argument("--model", action="append", help="only this class (repeatable)")
    parser.add_argument("--batch-size", type=int, help="keys per SCAN and per write")
    parser.add_argument("--cursor", type=int, default=0, help="resume one model's SCAN here")
    parser.add_argument("--dry-run", action="store_true", help="only count, write nothing")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the migration; the exit status is 0, or 1 when documents were left as they are."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    models = load_models(args.modules, args.redis, args.model)
    if not models:
        print(f"{NAME}: no rapyer models found in {', '.join(args.modules)}", file=sys.stderr)
        return 2
    result = migrate_original(
        *models,
        batch_size=args.batch_size,
        dry_run=args.dry_run,
        cursor=args.cursor,
        progress=not args.no_progress,
    )
    verb = "would migrate" if result.dry_run else "migrated"
    for entry in result.models:
        print(
            f"{entry.model}: scanned {entry.scanned}, {verb} {entry.migrated}, "
            f"left as they are {entry.invalid}"
        )
    print(f"total: scanned {result.scanned}, {verb} {result.migrated}, left {result.invalid}")
    return 1 if result.invalid else 0
