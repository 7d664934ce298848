"""The pytest plugin (loaded into every pytest run of a project that installs rapyer) imports
nothing heavy until one of its fixtures is used. Checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "redis",
    "pydantic",
    "rapyer.model",
    "rapyer._model",
    "rapyer.types",
    "rapyer.testing.cluster",
)


def loaded_after(code: str) -> list[str]:
    """The heavy modules loaded after running ``code`` in a new interpreter."""
    script = (
        f"import sys, json\n{code}\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    assert loaded_after("import rapyer.testing.plugin") == []


def test_the_fixtures_and_names_load_what_they_use() -> None:
    """The same check is not blind: using a public name or a cluster helper loads them."""
    assert set(loaded_after("import rapyer; rapyer.AtomicRedisModel")) >= {
        "redis",
        "pydantic",
        "rapyer.model",
        "rapyer.types",
    }
    assert "rapyer.testing.cluster" in loaded_after("import rapyer.testing as t; t.EmbeddedCluster")


@pytest.mark.parametrize("module", ["rapyer._query", "rapyer._codec", "rapyer._bulk"])
def test_a_core_module_imports_first_after_the_facade(module: str) -> None:
    """``import rapyer`` then a core module, in a fresh interpreter: no import cycle through
    the facade (it used to load every public name for ``from rapyer import _keys``)."""
    code = f"import rapyer; import {module}"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_the_facade_loads_nothing_for_other_names() -> None:
    """A submodule or unknown name raises AttributeError without loading the public names."""
    assert (
        loaded_after(
            "import rapyer\n"
            "for name in ('_keys', '_codec', 'not_a_name'):\n"
            "    try:\n"
            "        rapyer.__getattr__(name)\n"
            "    except AttributeError:\n"
            "        pass\n"
            "    else:\n"
            "        raise SystemExit(name + ' resolved')"
        )
        == []
    )
