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
    "ainsert_example": [
        "All models inserted atomically",
        "User: Alice",
        "Product: Laptop",
        "Order quantity: 1",
    ],
    "afind_error_handling_example": ["Key not found: User:123 is missing in redis"],
    "alock_from_key_example": [
        "Updated balance for Alice",
        "Reduced stock for Book",
        "Alice purchased Book",
        "Key not found: NonExistentModel:12345",
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


def test_seed_afind_example_output(real_redis, server_url: str) -> None:
    for name in ("afind_example", "afind_example_sync"):
        env = dict(os.environ, REDIS_URL=server_url)
        result = subprocess.run(
            [sys.executable, str(SEED_DIR / f"{name}.py")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == "Retrieved 3 models:"
        assert [line.split(":")[0].strip() for line in lines[1:4]] == [
            "- User",
            "- Order",
            "- Product",
        ]
        assert lines[4:] == ["User: Alice", "Order total: $150.0", "Product: Laptop"]
