"""Smoke test of the benchmark harness: ``benchmarks/run.py --smoke`` against the test server.

One round of every row on small data sets. It checks that every row ran and produced a ratio,
and what the harness writes, never timings: the numbers depend on the machine (and mean little
at these sizes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.script_modules import load_script

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "benchmarks" / "run.py"

# Part of the normal suite (CI runs it): the smoke run takes ~10-15 s on a quiet machine; the
# timeout only guards against a hang. Deselect with -m "not benchmark".
pytestmark = [pytest.mark.benchmark, pytest.mark.timeout(180)]

ALWAYS_IMPLEMENTED = {"save", "get", "get_global"}


@pytest.fixture(scope="module")
def quick_report(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench")
    json_path, md_path = out / "quick.json", out / "quick.md"
    env = {**os.environ, "REDIS_URL": server_url}
    proc = subprocess.run(
        [sys.executable, str(RUN), "--smoke", "--json", str(json_path), "--md", str(md_path)],
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
    assert quick_report["smoke"] is True
    assert quick_report["settings"]["rounds"] == quick_report["settings"]["slow_rounds"] == 1
    assert quick_report["apis"] == ["async", "sync"]
    assert quick_report["baseline"] == "pydantic"
    assert "raw time / rapyer time" in quick_report["ratio_definition"]
    assert "rapyer peak / raw peak" in quick_report["memory_ratio_definition"]
    assert "beyond raw redis-py's own growth" in quick_report["scale_ratio_definition"]
    assert quick_report["environment"]["server_source"] == "REDIS_URL"
    for name in ("python", "redis_py", "pydantic", "rapyer", "server"):
        assert isinstance(quick_report["environment"][name], str)


def test_every_operation_has_a_result_per_api(quick_report: dict) -> None:
    ops = quick_report["operations"]
    ids = [op["id"] for op in ops]
    assert len(ids) == len(set(ids))
    assert set(ids) >= ALWAYS_IMPLEMENTED
    assert {
        "memory_find_all_10k",
        "lock_cycle",
        "find_expression",
        "delete_1k",
        "find_all_100k",
        "iterate_100k",
        "memory_iterate_100k",
        "scale_find_all",
        "find_all_1k_again",
        "scale_iterate",
        "concurrent_get_200",
    } <= set(ids)
    for op in ops:
        assert op["kind"] in ("time", "memory", "scale")
        assert isinstance(op["goal"], (int, float))
        assert set(op["results"]) == {"async", "sync"}
        for api, result in op["results"].items():
            where = f"{op['id']} ({api})"
            if op["id"] == "concurrent_get_200" and api == "sync":
                assert result == {"status": "n/a", "reason": "async only"}, where
                continue
            # every row ran (every API is implemented) and produced a ratio
            assert result["status"] == "ok", f"{where}: {result}"
            assert result["ratio"] > 0, where
            assert isinstance(result["meets_goal"], bool), where
            if op["kind"] == "memory":
                assert result["raw_peak_bytes"] > 0 and result["rapyer_peak_bytes"] > 0, where
            elif op["kind"] == "scale":
                rap, raw = result["rapyer_seconds_per_document"], result["raw_seconds_per_document"]
                assert all(t > 0 for t in rap + raw), where
                assert all(t > 0 for t in result["server_seconds_per_document"]), where
                assert 0 < result["ratio"] <= 1.0, where
                assert result["small_size_rows"] == 2, where  # before and after the large rows
                excess = (rap[1] - rap[0]) - max(0.0, raw[1] - raw[0])
                expected = rap[0] / (rap[0] + max(0.0, excess))
                assert result["ratio"] == pytest.approx(expected, abs=1e-3), where
            else:
                assert result["raw_seconds"] > 0 and result["rapyer_seconds"] > 0, where
                assert len(result["round_ratios"]) == result["rounds"] == 1, where
                assert result["iterations_per_round"] >= 1, where
            if op["id"].startswith(("find_all", "find_keys", "iterate")):
                assert result["dicts_ratio"] > 0 and result["dicts_seconds"] > 0, where


def test_the_foundation_operations_ran(quick_report: dict) -> None:
    by_id = {op["id"]: op for op in quick_report["operations"]}
    for op_id in ALWAYS_IMPLEMENTED:
        for api in ("async", "sync"):
            assert by_id[op_id]["results"][api]["status"] == "ok", (op_id, api)


def test_markdown_table(quick_report: dict) -> None:
    text = quick_report["_markdown_file"]
    assert text in quick_report["_stdout"]
    assert "| Operation | Goal | async | sync | async vs dicts | sync vs dicts |" in text
    for op in quick_report["operations"]:
        assert f"| {op['label']} |" in text


def test_scale_ratio_measures_growth_beyond_raw() -> None:
    """The scale formula on figures that are not a run's: flat, raw's growth only, and
    rapyer's own growth (which halves the ratio when it doubles the time per document)."""
    scale_ratio = load_script("rapyer_benchmarks_run", RUN).scale_ratio
    assert scale_ratio((5e-6, 5e-6), (6e-6, 6e-6)) == (1.0, 0.0)
    # both grow by 10 µs per document: nothing beyond raw's growth
    assert scale_ratio((5e-6, 15e-6), (6e-6, 16e-6))[0] == pytest.approx(1.0)
    # rapyer grows by 5 µs more than raw: 5 / (5 + 5)
    ratio, excess = scale_ratio((5e-6, 15e-6), (6e-6, 11e-6))
    assert excess == pytest.approx(5e-6)
    assert ratio == pytest.approx(0.5)
    # rapyer gets faster per document while raw does not: capped at 1.0
    assert scale_ratio((8e-6, 6e-6), (8e-6, 8e-6))[0] == 1.0
    # raw gets faster per document: rapyer is held to flat (1 µs of growth: 10 / 11)
    assert scale_ratio((10e-6, 11e-6), (18e-6, 17e-6))[0] == pytest.approx(10 / 11)
