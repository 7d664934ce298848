"""The seed page's examples run unchanged (with REDIS_URL set), and so do their twins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SEED_DIR = Path(__file__).resolve().parents[2] / "examples" / "seed"
EXPECTED: dict[str, list[str]] = {
    "aget_example": [
        "User: Alice, Age: 30",
        "Product: Laptop, Price: 999.99",
        "User type: User",
        "Product type: Product",
    ],
}


def _examples() -> list[Path]:
    return sorted(SEED_DIR.glob("*_example*.py"))


@pytest.mark.parametrize("script", _examples(), ids=lambda p: p.stem)
def test_seed_example_runs_unchanged(script: Path, real_redis, server_url: str) -> None:
    env = dict(os.environ, REDIS_URL=server_url)
    result = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    expected = EXPECTED.get(script.stem.removesuffix("_sync"))
    if expected is not None:
        assert result.stdout.splitlines() == expected
    else:
        assert result.stdout.strip(), "the example printed nothing"
