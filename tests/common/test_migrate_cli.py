"""``python -m rapyer migrate-original <modules>`` against the real server."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

from tests.original_format import original_document, sample_values

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rapyer", "migrate-original", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_dry_run_then_migrate(real_redis, server_url):
    for i in range(3):
        real_redis.execute_command(
            "JSON.SET", f"OrigAll:{i}", "$", json.dumps(original_document(sample_values()))
        )
    dry = _run("tests.original_format", "--redis", server_url, "--dry-run", "--model", "OrigAll")
    assert dry.returncode == 0, dry.stderr
    assert "OrigAll: scanned 3, would migrate 3, left as they are 0" in dry.stdout
    assert "100% 3/3" in dry.stderr
    assert json.loads(real_redis.execute_command("JSON.GET", "OrigAll:0", "$"))[0]["flag"] != True  # noqa: E712

    done = _run("tests.original_format", "--redis", server_url, "--batch-size", "2")
    assert done.returncode == 0, done.stderr
    assert "OrigAll: scanned 3, migrated 3" in done.stdout
    assert json.loads(real_redis.execute_command("JSON.GET", "OrigAll:0", "$"))[0]["flag"] is True

    again = _run("tests.original_format", "--redis", server_url, "--no-progress")
    assert "OrigAll: scanned 3, migrated 0" in again.stdout
    assert again.stderr == ""


def test_cli_without_models_fails(real_redis, server_url):
    result = _run("json", "--redis", server_url)
    assert result.returncode == 2
    assert "no rapyer models found in json" in result.stderr
