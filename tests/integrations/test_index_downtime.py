"""No downtime while indexes change: a worker process queries 20,000 documents in a loop
while this process runs ``init_rapyer`` with the same schema, then with one more indexed
field. Every result the worker gets is complete, and the new field answers as soon as
``init_rapyer`` returns. Both APIs: the worker uses one, this process the other."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import rapyer
from rapyer._registry import unregister

from .downtime_models import DOCS, RARE_EVERY, status_of, ticket

ROOT = Path(__file__).resolve().parents[2]
OPEN = sum(1 for i in range(DOCS) if status_of(i) == "open")
RARE = DOCS // RARE_EVERY


def _init(api: str, url: str) -> None:
    """``init_rapyer`` in the API the worker does not use."""
    if api == "async":
        rapyer.init_rapyer_sync(redis=url)
    else:
        asyncio.run(rapyer.init_rapyer(redis=url))


def _insert(raw: object) -> None:
    pipe = raw.pipeline(transaction=False)  # type: ignore[attr-defined]
    for i in range(DOCS):
        doc = {"status": status_of(i), "n": i}
        pipe.execute_command("JSON.SET", f"DowntimeTicket:{i}", "$", json.dumps(doc))
        if i % 2000 == 1999:
            pipe.execute()
    pipe.execute()


@pytest.fixture
def forget_ticket():
    yield
    for model in rapyer.find_redis_models():
        if model.__name__ == "DowntimeTicket":
            unregister(model)


@pytest.mark.parametrize("worker_api", ["async", "blocking"])
def test_queries_stay_complete_while_init_rapyer_runs(
    worker_api, rapyer_bound, raw, tmp_path, forget_ticket
):
    url = rapyer_bound
    ticket(extra=False)
    _init(worker_api, url)  # the index exists before the documents: indexed as written
    _insert(raw)
    stop = tmp_path / "stop"
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.integrations.index_querier", url, worker_api, str(stop)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        lines = [worker.stdout.readline()]
        while lines[-1] and lines[-1].strip() != "ready":
            lines.append(worker.stdout.readline())
        assert lines[-1].strip() == "ready", "".join(lines) + (worker.stderr.read() or "")
        _init(worker_api, url)  # another worker starts: same schema
        started = time.monotonic()
        extended = ticket(extra=True)  # the next deploy: one more indexed field
        _init(worker_api, url)
        switched = time.monotonic() - started
        # queryable, and complete, as soon as init_rapyer returns
        assert extended.count(extended.n < 1000) == 1000
        assert len(extended.find(extended.n >= DOCS - 10)) == 10
        time.sleep(0.3)  # a few rounds of the worker on the new version
    finally:
        stop.touch()
        out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    rounds = [json.loads(line) for line in "".join(lines[:-1]).splitlines() + out.splitlines()]
    assert not [r for r in rounds if "error" in r], rounds[:5]
    wrong = [r for r in rounds if r != {"open": OPEN, "rare": RARE}]
    assert not wrong, f"{len(wrong)} incomplete results of {len(rounds)}: {wrong[:5]}"
    assert len(rounds) >= 10, f"only {len(rounds)} rounds in {switched:.1f} s"
