"""The pytest plugin (loaded into every pytest run of a project that installs rapyer) imports
nothing heavy until one of its fixtures is used. Checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

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
