"""Unit tests of scripts/gen_sync.py: naming rules, pragma, guards and --check (no Redis)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("unasync")

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gen_sync.py"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_sync_under_test", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up
    spec.loader.exec_module(module)
    return module


FUTURE = "from __future__ import annotations\n\n"

MODEL = (
    FUTURE
    + "from rapyer._io_async import client\n\n\n"
    + "class AsyncModelOps:\n"
    + "    async def asave(self) -> None:\n"
    + "        await client().set(self)\n\n"
    + "    async def ainsert(self) -> None:\n"
    + "        await self.asave()\n"
    + "        self.items.append(1)\n\n"
    + "    async def __aenter__(self) -> AsyncModelOps:\n"
    + "        return self\n"
)

FIELD = (
    FUTURE
    + "class RedisList(list):\n"
    + "    async def ainsert(self, i: int, x: object) -> None:\n"
    + "        self.insert(i, x)\n\n"
    + "    async def aappend(self, x: object) -> None:\n"
    + "        self.append(x)\n"
)


def run(gen: ModuleType, extra: dict[str, str] | None = None) -> dict[str, str]:
    sources = {"rapyer/_async/model.py": MODEL, "rapyer/_async/types/lists.py": FIELD}
    return gen.generate_texts({**sources, **(extra or {})}, explicit={})


def errors(gen: ModuleType, extra: dict[str, str]) -> str:
    with pytest.raises(gen.GenerationError) as info:
        run(gen, extra)
    return str(info.value)


def test_header_and_model_layer(gen: ModuleType) -> None:
    out = run(gen)["rapyer/_sync/model.py"]
    lines = out.splitlines()
    assert lines[0] == (
        "# GENERATED from rapyer/_async/model.py by scripts/gen_sync.py. DO NOT EDIT."
    )
    assert lines[1] == "# Change the async source and run: python scripts/gen_sync.py"
    assert "class SyncModelOps:" in out
    assert "    def save(self) -> None:\n        client().set(self)" in out
    assert "    def insert(self) -> None:\n        self.save()" in out
    assert "from rapyer._io_sync import client" in out
    assert "def __enter__(self) -> SyncModelOps:" in out
    assert "self.items.append(1)" in out  # non-derived a* names are untouched


def test_field_layer(gen: ModuleType) -> None:
    out = run(gen)["rapyer/_sync/types/lists.py"]
    assert "def insert_now(self, i: int, x: object)" in out
    assert "def append_now(self, x: object)" in out
    assert "self.insert(i, x)" in out and "self.append(x)" in out


def test_field_names_used_elsewhere_and_ambiguity(gen: ModuleType) -> None:
    test = (
        "from rapyer._async.model import AsyncModelOps\n\n\n"
        "async def test_it(m: AsyncModelOps) -> None:\n"
        "    await m.ainsert()\n"
        "    await m.tags.aappend(1)\n"
        "    await m.tags.ainsert(0, 1)  # sync: ainsert=insert_now\n"
    )
    out = run(gen, {"tests/_async/test_it.py": test})["tests/_sync/test_it.py"]
    assert "from rapyer._sync.model import SyncModelOps" in out
    assert "    m.insert()\n" in out
    assert "    m.tags.append_now(1)\n" in out
    assert "    m.tags.insert_now(0, 1)\n" in out  # pragma applied and stripped
    assert "sync:" not in out


def test_pragma_with_several_pairs_and_other_comment(gen: ModuleType) -> None:
    test = (
        "async def test_it(m, f) -> None:\n"
        "    await f.ainsert(await m.asave())  # noqa: B018  # sync: ainsert=insert_now, asave=save\n"
    )
    out = run(gen, {"tests/_async/test_it.py": test})["tests/_sync/test_it.py"]
    assert "    f.insert_now(m.save())  # noqa: B018\n" in out


def test_pragma_name_not_on_line(gen: ModuleType) -> None:
    test = "async def test_it(m) -> None:\n    await m.asave()  # sync: ainsert=insert_now\n"
    assert "tests/_async/test_it.py:2: pragma names ainsert" in errors(
        gen, {"tests/_async/test_it.py": test}
    )


def test_string_replacement(gen: ModuleType) -> None:
    test = 'def test_it(m) -> None:\n    assert getattr(m, "asave")\n    assert "asave it"\n'
    out = run(gen, {"tests/_async/test_it.py": test})["tests/_sync/test_it.py"]
    assert 'getattr(m, "save")' in out
    assert '"asave it"' in out  # only whole-name strings are mapped


def test_guard_import_asyncio(gen: ModuleType) -> None:
    test = "import asyncio\n\n\nasync def test_it() -> None:\n    await asyncio.sleep(0)\n"
    message = errors(gen, {"tests/_async/test_it.py": test})
    assert "tests/_async/test_it.py:1: asyncio imported" in message


def test_guard_duplicate_method(gen: ModuleType) -> None:
    source = (
        FUTURE + "class AsyncThing:\n"
        "    async def aload(self) -> None:\n        pass\n\n"
        "    def load(self) -> None:\n        pass\n"
    )
    message = errors(gen, {"rapyer/_async/thing.py": source})
    assert "rapyer/_async/thing.py:7: SyncThing defines load twice" in message


def test_guard_house_rules(gen: ModuleType) -> None:
    source = (
        "class Thing:\n"
        '    """Call asave to persist."""\n\n'
        "    async def afoo(self) -> None:\n"
        "        await(self.afoo())\n"
    )
    message = errors(gen, {"rapyer/_async/thing.py": source})
    assert "missing 'from __future__ import annotations'" in message
    assert "docstring mentions 'asave'" in message
    assert "'await' must be followed by a space" in message


def test_guard_unknown_sync_name_and_unused_explicit(gen: ModuleType) -> None:
    test = "from unittest.mock import AsyncMock\n\nm = AsyncMock()\n"
    message = errors(gen, {"tests/_async/test_it.py": test})
    assert "tests/_async/test_it.py:1: unittest.mock.AsyncMock" in message
    with pytest.raises(gen.GenerationError, match="unused replacement 'init_rapyer'"):
        gen.generate_texts({"rapyer/_async/model.py": MODEL}, explicit={"init_rapyer": "x"})


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_check_detects_edit_missing_and_orphan(
    gen: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(
        tmp_path,
        {
            "rapyer/_async/__init__.py": "",
            "rapyer/_async/model.py": MODEL,
            "rapyer/_async/types/lists.py": FIELD,
            "tests/_async/test_it.py": "async def test_it(m) -> None:\n    await m.asave()\n",
        },
    )
    assert gen.main(["--check"], root=tmp_path, explicit={}) == 1
    assert gen.main([], root=tmp_path, explicit={}) == 0
    assert (tmp_path / "tests/_sync/test_it.py").is_file()
    assert gen.main(["--check"], root=tmp_path, explicit={}) == 0
    assert "up to date" in capsys.readouterr().out

    model = tmp_path / "rapyer/_sync/model.py"
    model.write_text(model.read_text() + "x = 1\n")
    (tmp_path / "rapyer/_sync/types/lists.py").unlink()
    write_tree(tmp_path, {"tests/_sync/test_old.py": "pass\n"})
    assert gen.main(["--check"], root=tmp_path, explicit={}) == 1
    out = capsys.readouterr().out
    assert "-x = 1" in out
    assert "stale: rapyer/_sync/model.py" in out
    assert "missing: rapyer/_sync/types/lists.py" in out
    assert "orphaned: tests/_sync/test_old.py" in out
    assert model.read_text().endswith("x = 1\n")  # --check wrote nothing

    assert gen.main([], root=tmp_path, explicit={}) == 0
    assert not (tmp_path / "tests/_sync/test_old.py").exists()
    assert gen.main(["--check"], root=tmp_path, explicit={}) == 0


def test_guard_failure_writes_nothing(gen: ModuleType, tmp_path: Path) -> None:
    write_tree(tmp_path, {"tests/_async/test_it.py": "import asyncio\n"})
    assert gen.main([], root=tmp_path, explicit={}) == 2
    assert not (tmp_path / "tests/_sync").exists()


# ---- scoping of renames and the guards on them ------------------------------------------------


def test_test_helpers_keep_their_names(gen: ModuleType) -> None:
    """A helper defined in the tests is never derived: ``async def ages`` stays ``ages``."""
    test = (
        "async def test_it(m) -> None:\n"
        "    async def ages(*expressions):\n"
        "        return await m.asave()\n\n"
        "    assert await ages(1) is None\n"
    )
    out = run(gen, {"tests/_async/test_it.py": test})["tests/_sync/test_it.py"]
    assert "    def ages(*expressions):\n        return m.save()\n" in out
    assert "assert ages(1) is None" in out
    assert "ges(" not in out.replace("ages(", "")


def test_test_names_never_rename_the_library(gen: ModuleType) -> None:
    library = FUTURE + "def count(seen: set[int]) -> None:\n    seen.aload_all(1)\n"
    test = "async def aload_all() -> None:\n    pass\n"
    out = run(gen, {"rapyer/_async/counting.py": library, "tests/_async/test_it.py": test})
    assert "seen.aload_all(1)" in out["rapyer/_sync/counting.py"]
    assert "def aload_all() -> None:" in out["tests/_sync/test_it.py"]


def test_test_explicit_renames_only_in_the_tests(gen: ModuleType) -> None:
    library = FUTURE + "def keep(m) -> None:\n    m.ahelper()\n"
    test = "async def ahelper() -> None:\n    pass\n"
    sources = {"rapyer/_async/keep.py": library, "tests/_async/test_it.py": test}
    out = gen.generate_texts(sources, explicit={}, test_explicit={"ahelper": "helper"})
    assert "def helper() -> None:" in out["tests/_sync/test_it.py"]
    assert "m.ahelper()" in out["rapyer/_sync/keep.py"]


def test_a_derived_builtin_name_is_an_error(gen: ModuleType) -> None:
    """``async def add`` would derive ``add -> dd`` and rename ``seen.add`` everywhere."""
    source = (
        FUTURE
        + "class AsyncBag:\n"
        + "    async def add(self, x: int) -> None:\n"
        + "        self.seen.add(x)\n"
    )
    message = errors(gen, {"rapyer/_async/bag.py": source})
    assert "rapyer/_async/bag.py:4: async def add: its twin would rename every add" in message


def test_a_derived_name_bound_otherwise_is_an_error(gen: ModuleType) -> None:
    test = "async def test_it(m) -> None:\n    asave = 3\n    await m.asave()\n"
    message = errors(gen, {"tests/_async/test_it.py": test})
    assert "tests/_async/test_it.py:2: asave is also a variable here" in message
    keyword = "def test_it(f) -> None:\n    f(asave=True)\n"
    assert "asave is also a keyword argument here" in errors(
        gen, {"tests/_async/test_kw.py": keyword}
    )


def test_unused_test_explicit_is_an_error(gen: ModuleType) -> None:
    with pytest.raises(gen.GenerationError, match="unused replacement 'ahelper' in TEST_EXPLICIT"):
        gen.generate_texts(
            {"rapyer/_async/model.py": MODEL}, explicit={}, test_explicit={"ahelper": "helper"}
        )


def test_async_wording_in_a_generated_docstring_is_an_error(gen: ModuleType) -> None:
    test = 'async def test_it(m) -> None:\n    """Runs the async save."""\n    await m.asave()\n'
    message = errors(gen, {"tests/_async/test_it.py": test})
    assert "tests/_async/test_it.py:2: generated docstring says 'async'" in message
    library = '"""Helpers that await the server."""\n\n' + FUTURE
    assert "generated docstring says 'await'" in errors(gen, {"rapyer/_async/h.py": library})


def test_check_fails_on_an_unused_replacement(gen: ModuleType, tmp_path: Path) -> None:
    write_tree(tmp_path, {"rapyer/_async/model.py": MODEL})
    assert gen.main([], root=tmp_path, explicit={}) == 0
    assert gen.main(["--check"], root=tmp_path, explicit={}) == 0
    assert gen.main(["--check"], root=tmp_path, explicit={"anext": "next"}) == 2
