"""Shared set-up for scripts/test.py and scripts/demo.py: the repository's ``.venv``.

Standard library only, so that the scripts run on a fresh machine with nothing but
Python 3.10+. Imported by path (it is not a package module)::

    bootstrap = load_bootstrap()   # see test.py
    python = bootstrap.ensure_venv()
    bootstrap.install(python, "test,dev", fast=False)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYPROJECT = ROOT / "pyproject.toml"
MARKER = VENV / ".rapyer-installed"

MIN_PYTHON = (3, 10)
# Highest minor version allowed by pyproject's requires-python (">=3.10,<3.14").
MAX_PYTHON = (3, 13)


class StepFailed(Exception):
    """A step exited non-zero; ``code`` is its exit status."""

    def __init__(self, name: str, code: int) -> None:
        super().__init__(f"{name} failed with exit code {code}")
        self.name = name
        self.code = code


def log(message: str) -> None:
    print(message, flush=True)


def fmt_duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(seconds, 60)
    return f"{int(minutes)}m{seconds:04.1f}s"


def venv_python(venv: Path = VENV) -> Path:
    """The interpreter inside ``venv``."""
    if os.name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def venv_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for commands run inside the venv (its bin directory first on PATH)."""
    env = dict(os.environ)
    env.pop("PYTHONHOME", None)
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = str(venv_python().parent) + os.pathsep + env.get("PATH", "")
    if extra:
        env.update(extra)
    return env


def run(
    name: str,
    cmd: Sequence[str | os.PathLike[str]],
    *,
    env: Mapping[str, str] | None = None,
    quiet: bool = False,
) -> float:
    """Run ``cmd`` in the repository root as a named step; return its duration.

    Prints the step as it starts and its duration afterwards.

    Raises:
        StepFailed: the command exited non-zero (or could not be started).
    """
    log(f"==> {name}")
    start = time.monotonic()
    try:
        code = subprocess.call(
            [os.fspath(c) for c in cmd],
            cwd=ROOT,
            env=dict(env) if env is not None else None,
            stdout=subprocess.DEVNULL if quiet else None,
        )
    except OSError as exc:
        log(f"    cannot run {cmd[0]}: {exc}")
        code = 127
    duration = time.monotonic() - start
    if code != 0:
        log(f"<== {name}: FAILED (exit {code}) after {fmt_duration(duration)}")
        raise StepFailed(name, code)
    log(f"<== {name}: ok ({fmt_duration(duration)})")
    return duration


def _version_of(python: Path | str) -> tuple[int, int] | None:
    """(major, minor) of an interpreter, or None when it does not run."""
    try:
        out = subprocess.run(
            [os.fspath(python), "-c", "import sys; print('%d %d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    try:
        major, minor = (int(part) for part in out.stdout.split())
    except ValueError:
        return None
    return major, minor


def _supported(version: tuple[int, int] | None) -> bool:
    return version is not None and MIN_PYTHON <= version <= MAX_PYTHON


def _pip_works(python: Path) -> bool:
    return (
        subprocess.call(
            [os.fspath(python), "-m", "pip", "--version"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        == 0
    )


def base_python() -> str:
    """An interpreter to create the venv with: this one, if pyproject allows it.

    When this Python is newer than pyproject's ``requires-python`` allows, an older
    ``python3.X`` found on PATH is used instead.
    """
    current = sys.version_info[:2]
    if current < MIN_PYTHON:
        sys.exit(f"rapyer needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]}+, this is {sys.version}")
    if _supported(current):
        return sys.executable
    for minor in range(MAX_PYTHON[1], MIN_PYTHON[1] - 1, -1):
        candidate = shutil.which(f"python3.{minor}")
        if candidate and _supported(_version_of(candidate)):
            log(f"    Python {current[0]}.{current[1]} is not supported yet; using {candidate}")
            return candidate
    sys.exit(
        f"rapyer supports Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} to "
        f"{MAX_PYTHON[0]}.{MAX_PYTHON[1]}; this is {current[0]}.{current[1]} and no "
        "supported python3.X was found on PATH"
    )


def ensure_venv() -> Path:
    """Create ``.venv`` (or reuse it if its Python works and has pip); return its python."""
    python = venv_python()
    version = _version_of(python) if VENV.exists() else None
    if _supported(version):
        assert version is not None
        if _pip_works(python):
            log(f"==> reuse {VENV} (Python {version[0]}.{version[1]})")
            return python
        if subprocess.call([os.fspath(python), "-m", "ensurepip", "--upgrade"]) == 0:
            return python
    if VENV.exists():
        log(f"    {VENV} is broken or uses an unsupported Python; recreating it")
        shutil.rmtree(VENV)
    try:
        run("create .venv", [base_python(), "-m", "venv", VENV])
    except StepFailed:
        log(
            "    'python -m venv' failed; on Debian/Ubuntu install the venv module first, "
            "e.g. 'apt install python3-venv'"
        )
        raise
    return python


def _marker_text(extras: str) -> str:
    digest = hashlib.sha256(PYPROJECT.read_bytes()).hexdigest()
    return f"{digest} {extras}\n"


def _marker_entries() -> list[str]:
    try:
        return MARKER.read_text(encoding="utf-8").splitlines(keepends=True)
    except OSError:
        return []


def _installed(extras: str) -> bool:
    """True when the marker records an install of ``extras`` against this pyproject.toml."""
    return _marker_text(extras) in _marker_entries()


def install(python: Path, extras: str, *, fast: bool = False) -> None:
    """``pip install -e ".[extras]"`` into the venv, after upgrading pip.

    With ``fast``, nothing is installed when the marker ``.venv/.rapyer-installed`` shows
    that these extras were installed against the current pyproject.toml (same SHA-256).
    """
    if fast and _installed(extras):
        log(f"    --fast: .[{extras}] already installed for this pyproject.toml; skipping pip")
        return
    entry = _marker_text(extras)
    digest = entry.split()[0]
    # Installs of other extras against the same pyproject.toml stay valid.
    kept = [line for line in _marker_entries() if line.split()[:1] == [digest] and line != entry]
    # No marker while pip runs: an interrupted install is redone by the next --fast run.
    MARKER.unlink(missing_ok=True)
    env = venv_env({"PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    run("upgrade pip", [python, "-m", "pip", "install", "-q", "--upgrade", "pip"], env=env)
    run(
        f'pip install -e ".[{extras}]"',
        [python, "-m", "pip", "install", "-q", "-e", f".[{extras}]"],
        env=env,
    )
    MARKER.write_text("".join([*kept, entry]), encoding="utf-8")


def bootstrap(extras: str, *, fast: bool = False) -> Path:
    """Ensure the venv and the editable install of ``.[extras]``; return the venv python."""
    python = ensure_venv()
    install(python, extras, fast=fast)
    return python


def run_steps(extras: str, fast: bool, steps: Callable[[Path], None], done: str) -> int:
    """Bootstrap the venv with ``extras``, run ``steps(python)``, report; the exit code.

    A failed step stops everything and its exit code is returned.
    """
    start = time.monotonic()

    def total() -> str:
        return fmt_duration(time.monotonic() - start)

    try:
        steps(bootstrap(extras, fast=fast))
    except StepFailed as failure:
        log(f"FAILED at step {failure.name!r} (total {total()})")
        return failure.code or 1
    except KeyboardInterrupt:
        log(f"interrupted (total {total()})")
        return 130
    log(f"{done} (total {total()})")
    return 0
