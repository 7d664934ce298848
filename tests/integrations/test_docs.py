"""The documentation site builds with ``mkdocs build --strict``, and stays in step with the code."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys

import pytest

from ._markdown import code_blocks
from .conftest import ROOT

DOCS = ROOT / "docs"


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    pytest.importorskip("mkdocstrings_handlers.python")
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (site / "index.html").is_file()
    reference = (site / "reference" / "model" / "index.html").read_text(encoding="utf-8")
    # Both APIs of the model appear in the generated reference.
    assert 'id="rapyer.AtomicRedisModel.asave"' in reference
    assert 'id="rapyer.AtomicRedisModel.save"' in reference


def test_reference_pages_name_only_existing_objects():
    for page in (DOCS / "reference").glob("*.md"):
        for name in re.findall(r"^::: ([\w.]+)", page.read_text(encoding="utf-8"), re.M):
            try:
                importlib.import_module(name)
            except ImportError:
                module, _, attr = name.rpartition(".")
                assert hasattr(importlib.import_module(module), attr), f"{page.name}: {name}"


def test_every_guide_shows_both_apis():
    pages = [DOCS / "getting-started.md", *sorted((DOCS / "guide").glob("*.md"))]
    assert len(pages) > 5
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert '=== "Async"' in text and '=== "Blocking"' in text, page.name


def test_contributing_links_the_development_page():
    assert "docs/development.md" in (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    development = (DOCS / "development.md").read_text(encoding="utf-8")
    assert "Rules that keep the two APIs apart" in development


def test_code_blocks_compile():
    import ast

    pages = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
    count = 0
    for page in pages:
        for number, block in enumerate(code_blocks(page.read_text(encoding="utf-8"), "python"), 1):
            try:
                compile(block, f"{page.name}#{number}", "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            except SyntaxError as error:
                pytest.fail(f"{page.relative_to(ROOT)}, python block {number}: {error}")
            count += 1
    assert count > 40


# Notes kept outside the repository must never be cited: the repository stands alone.
_OUTSIDE = (
    "spec " + "§",
    "shared " + "project folder",
    "shared " + "folder",
    "../" + "shared",
    "DESIGN" + ".md",
)


def test_nothing_cites_files_outside_the_repository():
    skip = {".venv", ".git", "site", "__pycache__", "node_modules", "dist", "build"}
    suffixes = {".py", ".md", ".toml", ".yml", ".yaml", ".ipynb", ".lua", ".txt", ".cfg"}
    found = []
    for path in ROOT.rglob("*"):
        if skip & set(path.relative_to(ROOT).parts) or path.suffix not in suffixes:
            continue
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.relative_to(ROOT)}: {p!r}" for p in _OUTSIDE if p in text]
        found += [f"{path.relative_to(ROOT)}: §<n>" for _ in re.findall(r"§\d", text)[:1]]
    assert found == []
