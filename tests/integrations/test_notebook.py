"""examples/notebook.ipynb executed headless with nbclient, its outputs checked."""

from __future__ import annotations

import json
import sys

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from .conftest import EXAMPLES  # noqa: E402

NOTEBOOK = EXAMPLES / "notebook.ipynb"


@pytest.fixture
def kernel_env(tmp_path, monkeypatch, rapyer_bound):
    """A ``python3`` kernel spec that runs this interpreter (the venv's), and REDIS_URL."""
    spec_dir = tmp_path / "jupyter" / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (rapyer tests)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    # JUPYTER_PATH comes first in the kernel-spec search path, before any user install.
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("REDIS_URL", rapyer_bound)
    return rapyer_bound


def _stdout_by_cell(nb) -> dict[str, str]:
    texts = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = [out for out in cell.outputs if out.output_type == "error"]
        assert not errors, (
            f"cell {cell.id} raised: {errors[0].get('ename')}: {errors[0].get('evalue')}"
        )
        texts[cell.id] = "".join(
            out.get("text", "") for out in cell.outputs if out.output_type == "stream"
        )
    return texts


def test_notebook_runs_both_apis_in_one_kernel(kernel_env, raw):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), (
        "commit the notebook without outputs"
    )
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(EXAMPLES)}}
    )
    client.execute()
    out = _stdout_by_cell(nb)

    assert out["setup"] == "rapyer is bound to the server\n"
    assert out["model"] == "Experiment:x\n"
    assert out["blocking"].splitlines() == [
        "save: Experiment:nb-demo",
        "exists: True",
        "get: ['created in a blocking cell']",
    ]
    assert out["async"].splitlines() == ["aget: nb-demo 0", "aupdate + aload: runs = 1"]
    assert out["mixed"].splitlines() == [
        "get after aupdate: runs = 1",
        "rapyer.aget: Experiment ['created in a blocking cell']",
    ]
    not_found, find_one = out["errors"].splitlines()
    assert not_found.startswith("KeyNotFound: ") and "Experiment:missing" in not_found
    assert find_one == "find_one: None"
    assert out["query-model"] == "count: 5\n"
    # (a WARNING of the redefinition goes to stderr, which is a stream output too)
    assert out["query-redefined"].splitlines()[-3:] == [
        "acount: 5",
        "index: current True",
        "delete_many: 10",
    ]
    assert out["cleanup"] == "adelete: True | exists: False\n"
    assert raw.keys("Experiment:*") == []
