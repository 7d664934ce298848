"""Smoke test of the benchmark harness: ``benchmarks/run.py --quick`` against the test server.

It checks that the harness runs and what it writes, never timings: the numbers depend on the
machine. Operations whose API is not implemented yet are reported as ``n/a`` by the harness
and not run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "benchmarks" / "run.py"

# Part of the normal suite. The quick run takes ~10-20 s once every operation is implemented;
# the timeout only guards against a hang. Deselect with -m "not benchmark".
pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(180)]

ALWAYS_IMPLEMENTED = {"save", "get", "get_global"}


@pytest.fixture(scope="module")
def quick_report(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench")
    json_path, md_path = out / "quick.json", out / "quick.md"
    env = {**os.environ, "REDIS_URL": server_url}
    proc = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--json", str(json_path), "--md", str(md_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(json_path.read_text(encoding="utf-8"))
    report["_markdown_file"] = md_path.read_text(encoding="utf-8")
    report["_stdout"] = proc.stdout
    return report


def test_report_header(quick_report: dict) -> None:
    assert quick_report["schema"] == 1
    assert quick_report["quick"] is True
    assert quick_report["apis"] == ["async", "sync"]
    assert quick_report["baseline"] == "pydantic"
    assert "raw time / rapyer time" in quick_report["ratio_definition"]
    assert "rapyer peak / raw peak" in quick_report["memory_ratio_definition"]
    assert quick_report["environment"]["server_source"] == "REDIS_URL"
    for name in ("python", "redis_py", "pydantic", "rapyer", "server"):
        assert isinstance(quick_report["environment"][name], str)


def test_every_operation_has_a_result_per_api(quick_report: dict) -> None:
    ops = quick_report["operations"]
    ids = [op["id"] for op in ops]
    assert len(ids) == len(set(ids))
    assert set(ids) >= ALWAYS_IMPLEMENTED
    assert {"memory_find_all_10k", "lock_cycle", "find_expression", "delete_1k"} <= set(ids)
    for op in ops:
        assert op["kind"] in ("time", "memory")
        assert isinstance(op["goal"], (int, float))
        assert set(op["results"]) == {"async", "sync"}
        for api, result in op["results"].items():
            where = f"{op['id']} ({api})"
            assert result["status"] in ("ok", "n/a"), f"{where}: {result}"
            if result["status"] == "n/a":
                assert result["reason"] == "not implemented", where
                continue
            assert result["ratio"] > 0, where
            assert isinstance(result["meets_goal"], bool), where
            if op["kind"] == "memory":
                assert result["raw_peak_bytes"] > 0 and result["rapyer_peak_bytes"] > 0, where
            else:
                assert result["raw_seconds"] > 0 and result["rapyer_seconds"] > 0, where
                assert len(result["round_ratios"]) == result["rounds"], where
                assert result["iterations_per_round"] >= 1, where


def test_the_foundation_operations_ran(quick_report: dict) -> None:
    by_id = {op["id"]: op for op in quick_report["operations"]}
    for op_id in ALWAYS_IMPLEMENTED:
        for api in ("async", "sync"):
            assert by_id[op_id]["results"][api]["status"] == "ok", (op_id, api)


def test_markdown_table(quick_report: dict) -> None:
    text = quick_report["_markdown_file"]
    assert text in quick_report["_stdout"]
    assert "| Operation | Goal | async | sync |" in text
    for op in quick_report["operations"]:
        assert f"| {op['label']} |" in text
