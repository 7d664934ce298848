"""``python -m rapyer indexes [--migrate] app.models``: the search indexes of the models.

Without ``--migrate`` it prints a status table: model, the index its queries use, its schema
hash, state, how far its schema version is indexed, the index serving now and the fields that
one cannot answer. With ``--migrate`` it first makes every index match its model as
``init_rapyer`` does (a deploy step outside the application's start-up): a changed schema
is built beside the serving version and switched to when complete; versions left by
interrupted builds of other schemas are dropped.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from rapyer import _index
from rapyer._cli.common import load_models, log_progress
from rapyer._sync import index_ops
from rapyer._sync.functions import index_status
from rapyer.results import IndexState, IndexStatus

NAME = "indexes"
HELP = "show the search index of each model; --migrate makes them match the models"
COLUMNS = (
    "model",
    "index",
    "schema hash",
    "state",
    "indexed",
    "serving",
    "missing fields",
    "stale",
)


def add_parser(subparsers: Any) -> None:
    """Register the ``indexes`` command on an ``argparse`` subparsers object."""
    parser = subparsers.add_parser(NAME, help=HELP, description=HELP)
    parser.add_argument("modules", nargs="+", help="modules defining the models (app.models)")
    parser.add_argument("--redis", "--url", help="Redis URL (default: the models' Meta, REDIS_URL)")
    parser.add_argument("--model", action="append", help="only this class (repeatable)")
    parser.add_argument(
        "--migrate",
        action="store_true",
        help="build and switch to each model's schema version where needed",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=index_ops.BUILD_TIMEOUT,
        help="seconds to wait for one index to be built (default %(default)s)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit with status 1 when an index is not current",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    models = [m for m in load_models(args.modules, args.redis, args.model) if _index.has_index(m)]
    if args.migrate:
        log_progress()
        for model in models:
            index_ops.ensure_index(model, override=True, timeout=args.timeout)
            index_ops.drop_stale(model)
    statuses = index_status(*models) if models else []
    print(table(statuses))
    if args.check and any(s.state is not IndexState.CURRENT for s in statuses):
        return 1
    return 0


def _row(status: IndexStatus) -> tuple[str, ...]:
    percent = "-" if status.percent_indexed is None else f"{status.percent_indexed:.0f}%"
    return (
        status.model.__name__,
        status.index,
        status.schema_hash,
        status.state.value,
        percent,
        status.serving or "-",
        ",".join(status.missing_fields) or "-",
        ",".join(status.stale) or "-",
    )


def table(statuses: Sequence[IndexStatus]) -> str:
    """The status table as text (one line per model)."""
    if not statuses:
        return "No model with indexed fields."
    rows = [COLUMNS, *(_row(s) for s in statuses)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)
