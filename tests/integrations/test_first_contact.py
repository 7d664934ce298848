"""What a new user meets first: the version, the install commands and the code of the README.

The Python blocks of the README, the home page and the getting-started page are run exactly as
written, each as its own program in a subprocess of this interpreter (the venv's).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.version import Version

import rapyer

from ._markdown import code_blocks
from .conftest import ROOT

# The pages whose Python blocks are complete programs, and how many blocks each has.
RUNNABLE_PAGES = {"README.md": 2, "docs/index.md": 2, "docs/getting-started.md": 3}
# A requirement that names the project itself: pip would resolve it on the public index.
_INDEX_REQUIREMENT = re.compile(r"^rapyer(\[[^\]]*\])?([<>=!~;@ ].*)?$")


def _version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^version = "([^"]+)"$', text, re.M)
    assert match, "no version in pyproject.toml"
    return match.group(1)


def test_version_is_a_2_0_pre_release_above_the_original_line():
    version = Version(_version())
    assert version > Version("1.3.6")
    assert version.major == 2 and version.is_prerelease
    assert rapyer.__version__ == _version()
    assert metadata.version("rapyer") == _version()


def _install_lines() -> list[tuple[str, str]]:
    pages = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]
    pages += sorted((ROOT / "examples").rglob("README.md"))
    lines = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for block in code_blocks(text, "bash"):
            lines += [(page.name, line) for line in block.splitlines() if "pip install" in line]
        # Inline commands too: `pip install ...` in running text.
        lines += [(page.name, cmd) for cmd in re.findall(r"`([^`\n]*pip install[^`\n]*)`", text)]
    return lines


def test_no_install_command_fetches_rapyer_from_the_index():
    lines = _install_lines()
    assert len(lines) > 5
    for page, line in lines:
        command = line.split("#", 1)[0]
        args = shlex.split(command.split("pip install", 1)[1].split("&&", 1)[0])
        for arg in args:
            assert not _INDEX_REQUIREMENT.match(arg), f"{page}: {line!r} installs {arg} from PyPI"


def test_readme_documents_the_clone_and_the_wheel():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    install = readme[readme.index("## Install") :]
    assert 'python -m pip install ".[server]"' in install
    assert "python -m pip wheel --no-deps -w dist ." in install
    assert f"dist/rapyer-{_version()}-py3-none-any.whl[server]" in install
    assert "successor of the async-only" in readme[: readme.index("<table>")]


def test_the_documented_wheel_command_builds_this_version(tmp_path):
    pytest.importorskip("hatchling")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    wheel = tmp_path / f"rapyer-{_version()}-py3-none-any.whl"
    assert wheel.is_file(), sorted(p.name for p in tmp_path.iterdir())
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"rapyer-{_version()}.dist-info"
        meta = archive.read(f"{info}/METADATA").decode()
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    assert {"rapyer/py.typed", "rapyer/testing/plugin.py", "rapyer/_sync/model_ops.py"} <= names
    assert any(name.startswith("rapyer/_lua/") and name.endswith(".lua") for name in names)
    assert f"Version: {_version()}" in meta and "Provides-Extra: server" in meta
    assert "rapyer = rapyer.testing.plugin" in entry_points


def _runnable_blocks() -> list[tuple[str, int, str]]:
    blocks = []
    for page, expected in RUNNABLE_PAGES.items():
        found = code_blocks((ROOT / page).read_text(encoding="utf-8"), "python")
        assert len(found) == expected, f"{page} has {len(found)} python blocks"
        blocks += [(page, number, block) for number, block in enumerate(found, 1)]
    return blocks


def _run_program(source: str, tmp: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    program = tmp / "program.py"
    program.write_text(source, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(program)],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("page", "number", "source"),
    _runnable_blocks(),
    ids=[f"{page}#{number}" for page, number, _ in _runnable_blocks()],
)
def test_page_code_block_runs_as_pasted(page, number, source, tmp_path, rapyer_bound, raw):
    done = _run_program(source, tmp_path, {**os.environ, "REDIS_URL": rapyer_bound})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stderr, done.stderr
    if page == "README.md":
        assert done.stdout == "email='a@x.org' name='Alice' age=31 tags=['admin']\n"
    if page == "docs/getting-started.md" and number > 1:
        assert done.stdout == "gone\n"
    assert raw.keys("*") == [], "the program leaves its keys behind"


def test_readme_first_program_starts_the_embedded_server(tmp_path):
    source = code_blocks((ROOT / "README.md").read_text(encoding="utf-8"), "python")[1]
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    done = _run_program(source, tmp_path, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "email='a@x.org' name='Alice' age=31 tags=['admin']\n"
