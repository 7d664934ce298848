"""``python -m rapyer indexes [--migrate] module``, run as a deploy step would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MODELS = """
from typing import Annotated
from rapyer import AtomicRedisModel, Index, RedisConfig

class CliTicket(AtomicRedisModel):
    Meta = RedisConfig(key_prefix="CliTicket")
    status: Annotated[str, Index()] = ""
    n: {n_annotation} = 0
"""


def _write(folder: Path, indexed_n: bool) -> None:
    n_annotation = "Annotated[int, Index()]" if indexed_n else "int"
    (folder / "cli_models.py").write_text(MODELS.format(n_annotation=n_annotation))


def _rapyer(folder: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "rapyer", *args, "--redis", url],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _row(out: str) -> list[str]:
    (line,) = [line for line in out.splitlines() if line.startswith("CliTicket")]
    return line.split()


def _total(raw: object, query: str) -> int:
    found = raw.execute_command("FT.SEARCH", "idx:CliTicket", query, "LIMIT", 0, 0)  # type: ignore[attr-defined]
    return int(found["total_results"] if isinstance(found, dict) else found[0])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path


def test_status_and_migrate(folder, rapyer_bound, raw):
    url = rapyer_bound
    _write(folder, indexed_n=False)
    for i in range(50):
        raw.execute_command("JSON.SET", f"CliTicket:{i}", "$", f'{{"status": "open", "n": {i}}}')
    done = _rapyer(folder, url, "indexes", "--migrate", "cli_models")  # creates it
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split()[:3] == ["model", "index", "schema"]
    first = _row(done.stdout)
    assert first[3:6] == ["current", "100%", f"idx:CliTicket:v{first[2]}"]
    assert _total(raw, "@status:{open}") == 50

    _write(folder, indexed_n=True)  # the next deploy: n is indexed too
    done = _rapyer(folder, url, "indexes", "cli_models", "--check")
    assert done.returncode == 1, done.stderr  # --check: an index is not current
    row = _row(done.stdout)
    assert row[2] != first[2] and row[3] == "outdated" and row[6:] == ["n", "-"]
    assert row[5] == f"idx:CliTicket:v{first[2]}"  # the old version still serves

    done = _rapyer(folder, url, "indexes", "--migrate", "--check", "cli_models")
    assert done.returncode == 0, done.stderr
    row = _row(done.stdout)
    assert row[3:6] == ["current", "100%", f"idx:CliTicket:v{row[2]}"]
    assert "idx:CliTicket:v" in done.stderr  # progress on the rapyer logger
    assert _total(raw, "@n:[10 19]") == 10


def test_bad_usage(capsys):
    from rapyer._cli import main

    for argv, message in [
        ([], "required: command"),
        (["indexes"], "required: module"),
        (["nothing-such"], "invalid choice"),
    ]:
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["indexes", "no_such_module_here"])
    assert "no module named 'no_such_module_here'" in str(caught.value.code)
