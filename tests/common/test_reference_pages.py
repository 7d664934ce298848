"""The generated reference of field operations is up to date and lists every operation."""

from __future__ import annotations

import inspect
from pathlib import Path
from types import ModuleType

import pytest

import rapyer.types
from tests.script_modules import load_script

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gen_reference.py"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return load_script("gen_reference_under_test", SCRIPT)


def test_the_committed_page_is_what_the_generator_writes(gen: ModuleType, capsys) -> None:
    assert gen.main(["--check"]) == 0, capsys.readouterr().out


def test_every_operation_of_every_type_is_listed_with_its_twin(gen: ModuleType) -> None:
    page = gen.PAGE.read_text(encoding="utf-8")
    count = 0
    for name in rapyer.types.__all__:
        cls = getattr(rapyer.types, name)
        for attr in dir(cls):
            if attr.startswith("a") and inspect.iscoroutinefunction(getattr(cls, attr)):
                twin = attr[1:] + "_now"
                assert f"`await value.{attr}(" in page and f"`value.{twin}(" in page, (name, attr)
                count += 1
    assert count > 40
    for core in ("RedisList", "RedisDict", "RedisSet", "RedisPriorityQueue", "RedisInt"):
        assert f"## `{core}`" in page


def test_a_stale_page_is_reported(gen: ModuleType, tmp_path, monkeypatch, capsys) -> None:
    stale = tmp_path / "field-operations.md"
    stale.write_text(gen.render().replace("JSON.ARRAPPEND", "JSON.SET"), encoding="utf-8")
    monkeypatch.setattr(gen, "PAGE", stale)
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    assert gen.main(["--check"]) == 1
    assert "is stale" in capsys.readouterr().out
    assert gen.main([]) == 0 and gen.main(["--check"]) == 0
