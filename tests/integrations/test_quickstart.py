"""examples/quickstart.py run as ``scripts/demo.py`` runs it: a subprocess, output checked."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import EXAMPLES, ROOT


def _run(env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout.splitlines()


def _check(lines: list[str]) -> None:
    assert lines[1:13] == [
        "-- blocking API --",
        "save: stored Player:alice",
        "get: Alice has score 0 and badges ['early']",
        "update: score is now 10",
        "load: stored score 10, local score 99",
        "pipeline: Alice A. has score 20",
        "lock: score is now 21",
        "increase_now: score 26",
        "append_now: badges ['early', 'atomic']",
        "rapyer.get: Player 'alice'",
        "exists: True",
        "delete: True, exists afterwards: False",
    ]
    assert lines[13].startswith("KeyNotFound: ") and "Player:alice" in lines[13]
    assert lines[14:25] == [
        "rapyer.find_one: None",
        "-- async API --",
        "asave: stored Player:bob",
        "aget: Bob has score 0",
        "aupdate + aload: score 5, badges ['fast']",
        "apipeline: score 7",
        "alock: score 8",
        "aincrease: score 11",
        "aappend: badges ['fast', 'atomic']",
        "rapyer.aget: Player 'bob'",
        "aexists: True",
    ]
    assert lines[25] == "adelete: True, aexists afterwards: False"
    assert lines[26].startswith("KeyNotFound: ") and "Player:bob" in lines[26]
    assert lines[27:] == [
        "-- bulk operations --",
        "insert: 3 players, count 3",
        "find by keys: ['p2', 'p0']",
        "find all: ['p0', 'p1', 'p2']",
        "get_or_create: found P1",
        "delete_many: 3 deleted, count 0",
        "done",
    ]


def test_quickstart_starts_the_embedded_server():
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    lines = _run(env)
    assert lines[0].startswith("started the embedded server at redis://127.0.0.1:")
    _check(lines)


def test_quickstart_uses_redis_url(rapyer_bound, raw):
    lines = _run({**os.environ, "REDIS_URL": rapyer_bound})
    assert lines[0] == f"using REDIS_URL={rapyer_bound}"
    _check(lines)
    assert raw.keys("Player:*") == []


@pytest.mark.parametrize("script", ["demo.py", "test.py"])
def test_readme_scripts_document_themselves(script):
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "Usage" in done.stdout
