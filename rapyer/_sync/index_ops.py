# GENERATED from rapyer/_async/index_ops.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""RediSearch index lifecycle: one index per schema version behind the alias queries use.

``ensure_index`` (run by ``init_rapyer`` for every model) keeps an index whose schema matches,
creates what is missing, and for a changed schema builds the new version
``idx:{prefix}:v{hash}`` beside the serving one, waits until it has indexed every document,
moves the alias ``idx:{prefix}`` to it (``FT.ALIASUPDATE``) and then drops the old version, once
the queries still reading it (open cursors) are done. The alias moves and old versions are
dropped under a short lock, so processes doing this at the same time converge. An index of
the older layout, named like the alias, keeps serving while the alias is added beside it:
the server resolves a name to an index before an alias, so dropping it hands the name to the
alias with no moment in between.

``check_serving`` runs before each query: it names a field the serving index lacks
(``IndexFieldMissingError``) instead of letting the server answer with nothing.

On a cluster every primary has its own index, alias and swap lock, each name ending with a
hash tag that primary owns (``targets``): each shard indexes only its own documents. The
lifecycle runs on each of them; a primary without its index (the topology changed) gets it on
the next query.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
import weakref
from collections.abc import Iterator, Iterable
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from redis.exceptions import ResponseError

from rapyer import _index, _index_info, _search
from rapyer import _io_sync as io
from rapyer._sync import cluster, executor
from rapyer._sync.scripts import run_script
from rapyer._binding import Binding, binding_of
from rapyer._index_info import IndexInfo, Target, parse_info
from rapyer._search import is_missing_index, is_missing_module, not_found_message
from rapyer.errors import (
    IndexBuildTimeoutError,
    IndexFieldMissingError,
    IndexNotFoundError,
    LockTimeoutError,
)
from rapyer.results import IndexState, IndexStatus

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel
    from rapyer._model import BaseRedisModel as _Base
else:
    _Base = object

_log = logging.getLogger("rapyer")

BUILD_TIMEOUT = 600.0  # seconds a new version may take to index every document
CURSOR_WAIT = 30.0  # seconds to let queries reading an old version finish before dropping it
RECHECK_SECONDS = 1.0  # how old the knowledge of the serving index may get before a query
SWAP_LEASE_MS = 10_000
SWAP_WAIT = 30.0
_PROGRESS_EVERY = 2.0


def _already_exists(exc: Exception) -> bool:
    return "already exists" in str(exc).lower()


def swap_lock_key(cls: type[BaseRedisModel], tag: str = "") -> str:
    """The key of the lock around alias moves and drops (no model key can take this form)."""
    return f"__rapyer_index__:{cls.class_key_initials()}:swap{tag}"


# ---- where indexes live ---------------------------------------------------------------------


# When each cluster client last read the topology here (a primary the client does not know of
# would be left out of every query, silently).
_topology_read: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


def targets(binding: Binding) -> list[Target]:
    """The server of ``binding``; on a cluster each primary with its hash tag.

    The cluster's topology is read again when this process last read it more than
    ``RECHECK_SECONDS`` ago.
    """
    if not binding.is_cluster:
        return [Target(binding)]
    client = io.client(binding)
    now = time.monotonic()
    last = _topology_read.setdefault(client, now)
    if now - last > RECHECK_SECONDS:
        io.refresh_topology(client)
        _topology_read[client] = now
    tags = io.shard_tags(client)
    return [Target(binding, node, tag) for node, tag in tags.items()]


def _target(where: Binding | Target) -> Target:
    return where if isinstance(where, Target) else Target(where)


def run(target: Target, *args: Any) -> Any:
    """One command on the target's server (on a cluster: straight to its primary)."""
    if target.node is None:
        return executor.execute(target.binding, *args)
    node = io.node_client(io.client(target.binding), target.node)
    return node.execute_command(*args)


# ---- server state ---------------------------------------------------------------------------


def info(where: Binding | Target, name: str) -> IndexInfo | None:
    """``FT.INFO`` of an index or alias; ``None`` when the name is unknown."""
    try:
        reply = run(_target(where), "FT.INFO", name)
    except ResponseError as exc:
        if is_missing_index(exc):
            return None
        raise
    return parse_info(reply)


def create_version(cls: type[BaseRedisModel], where: Binding | Target, name: str) -> bool:
    """``FT.CREATE`` of the index ``name`` with ``cls``'s schema; ``False`` when it exists.

    Retries without ``INDEXEMPTY`` on servers older than RediSearch 2.10.
    """
    target = _target(where)
    try:
        try:
            run(target, *_index.create_index_args(cls, True, name))
        except ResponseError as exc:
            text = str(exc).lower()
            if "indexempty" not in text and "unknown argument" not in text:
                raise
            run(target, *_index.create_index_args(cls, False, name))
    except ResponseError as exc:
        if _already_exists(exc):
            return False
        raise
    return True


def wait_built(
    cls: type[BaseRedisModel], target: Target, name: str, timeout: float = BUILD_TIMEOUT
) -> IndexInfo:
    """Wait until the version ``name`` has indexed every document (progress on the logger).

    A version dropped meanwhile (by another process) is created again. Raises
    IndexBuildTimeoutError after ``timeout`` seconds.
    """
    start = time.monotonic()
    next_log = start + _PROGRESS_EVERY
    pause = 0.005
    while True:
        state = info(target, name)
        if state is None:
            create_version(cls, target, name)
        elif state.complete:
            if time.monotonic() - start >= _PROGRESS_EVERY:
                _log.info("Index %s is built (%d documents)", name, state.num_docs)
            return state
        now = time.monotonic()
        if now - start >= timeout:
            percent = 0.0 if state is None else state.percent_indexed * 100
            raise IndexBuildTimeoutError(
                f"The index {name} of {cls.__name__} was {percent:.0f}% built after "
                f"{timeout:g} s; the previous version keeps serving, and the next "
                "init_rapyer() (or `python -m rapyer indexes --migrate`) resumes the switch"
            )
        if now >= next_log and state is not None:
            _log.info(
                "Building index %s of %s: %.0f%% (%d documents so far)",
                name,
                cls.__name__,
                state.percent_indexed * 100,
                state.num_docs,
            )
            next_log = now + _PROGRESS_EVERY
        io.sleep(pause)
        pause = min(pause * 2, 0.1)


@contextmanager
def swap_lock(cls: type[BaseRedisModel], target: Target) -> Iterator[None]:
    """A short lease lock of ``cls``'s prefix around alias moves and index drops.

    Raises LockTimeoutError when another process holds it for ``SWAP_WAIT`` seconds.
    """
    key = swap_lock_key(cls, target.tag)
    token = uuid.uuid4().hex
    deadline = time.monotonic() + SWAP_WAIT
    while not run(target, "SET", key, token, "NX", "PX", SWAP_LEASE_MS):
        if time.monotonic() >= deadline:
            raise LockTimeoutError(f"The index lock {key} was held for {SWAP_WAIT:g} s")
        io.sleep(0.02)
    try:
        yield
    finally:
        run_script(target.binding, "lock_release", [key], [token])


# ---- the lifecycle --------------------------------------------------------------------------


def _serves(cls: type[BaseRedisModel], serving: IndexInfo, target: str, exact: bool) -> bool:
    """Whether ``serving`` may keep serving ``cls``: its exact version, or with ``exact``
    off any index that has every attribute ``cls`` needs."""
    if serving.name == target:
        return True
    return not exact and not _index_info.missing_attributes(cls, serving)


def remember(cls: type[BaseRedisModel], target: Target, serving: IndexInfo) -> None:
    """Record the index that serves ``cls``'s queries now (``check_serving`` uses it)."""
    missing = _index_info.missing_attributes(cls, serving)
    _index_info.known[(target, cls)] = _index_info.Known(serving.name, missing, time.monotonic())


def ensure_index(
    cls: type[BaseRedisModel], override: bool = True, timeout: float = BUILD_TIMEOUT
) -> bool:
    """Make the index serving ``cls``'s queries match ``cls``, never dropping one in use.

    With ``override`` the serving index must be ``cls``'s exact schema version; without it,
    any index with every attribute ``cls`` needs is kept. Returns whether the alias moved.
    ``False`` too when the model has no index or the server has no RediSearch (logged as a
    WARNING). Raises IndexBuildTimeoutError when the new version is not built in ``timeout``.
    """
    if not _index.has_index(cls):
        return False
    binding = binding_of(cls)
    try:
        moved = False
        for target in targets(binding):
            moved = _ensure(cls, target, override, timeout) or moved
        return moved
    except ResponseError as exc:
        if not is_missing_module(exc):
            raise
        _log.warning(
            "The server of %s has no RediSearch: its index was not created, and queries "
            "on it will fail",
            cls.__name__,
        )
        return False


def _ensure(cls: type[BaseRedisModel], where: Target, exact: bool, timeout: float) -> bool:
    alias = _index.index_name(cls, where.tag)
    target = _index.version_name(cls, tag=where.tag)
    serving = info(where, alias)
    if serving is not None and _serves(cls, serving, target, exact):
        remember(cls, where, serving)
        return False
    if serving is not None:
        _log.info(
            "The schema of %s changed: building %s beside %s", cls.__name__, target, serving.name
        )
    create_version(cls, where, target)
    built = wait_built(cls, where, target, timeout)
    with swap_lock(cls, where):
        serving = info(where, alias)
        if serving is not None and _serves(cls, serving, target, exact):
            remember(cls, where, serving)  # another process switched meanwhile
            return False
        _point_alias(where, alias, target, serving)
    remember(cls, where, built)
    if serving is not None:
        _log.info("%s now serves %s; dropping %s", target, alias, serving.name)
        drop_old(cls, where, serving.name)
    return True


def _point_alias(where: Target, alias: str, target: str, serving: IndexInfo | None) -> None:
    if serving is None or serving.name == alias:
        # Nothing serves, or an old-layout index named like the alias: the alias is added
        # beside it and takes over the name when that index is dropped.
        try:
            run(where, "FT.ALIASADD", alias, target)
            return
        except ResponseError as exc:
            if not _already_exists(exc):
                raise
    run(where, "FT.ALIASUPDATE", alias, target)


def drop_old(cls: type[BaseRedisModel], where: Binding | Target, old: str) -> None:
    """Drop the index ``old`` once no query reads it, unless it serves again.

    Waits up to ``CURSOR_WAIT`` seconds for its open cursors (queries in progress). The drop
    runs under the swap lock, after checking that the alias does not resolve to ``old``
    (another process may have switched back). An old-layout index is named like the alias:
    the name means that index for as long as it exists, and the alias (re-added if needed)
    takes the name over when it is dropped.
    """
    where = _target(where)
    alias = _index.index_name(cls, where.tag)
    target = _index.version_name(cls, tag=where.tag)
    deadline = time.monotonic() + CURSOR_WAIT
    while True:
        state = info(where, old)
        if state is None or state.name != old or state.open_cursors == 0:
            break
        if time.monotonic() >= deadline:
            _log.warning(
                "Dropping %s with %d open query cursors (their next reads fail)",
                old,
                state.open_cursors,
            )
            break
        io.sleep(0.02)
    with swap_lock(cls, where):
        now = info(where, old if old == alias else alias)
        if now is None or now.name == old and old != alias:
            return  # the alias serves it again (or nothing is left to drop)
        if old == alias:
            if now.name != alias:
                return  # the old-layout index is gone: the name is the alias's now
            try:
                run(where, "FT.ALIASADD", alias, target)
            except ResponseError as exc:
                if not _already_exists(exc):
                    raise
        try:
            run(where, "FT.DROPINDEX", old)
        except ResponseError as exc:
            if not is_missing_index(exc):
                raise


# ---- queries --------------------------------------------------------------------------------


def check_serving(
    cls: type[BaseRedisModel], binding: Binding, attributes: Iterable[str]
) -> None:
    """Raise unless the index serving ``cls`` has the ``attributes`` a query uses.

    What serves is checked with ``FT.INFO`` on first use in a process and again once it is
    ``RECHECK_SECONDS`` old. A model registered after the last ``init_rapyer`` (a notebook
    cell) gets its index here. Raises IndexNotFoundError (no index) or
    IndexFieldMissingError (an attribute missing or defined differently).
    """
    try:
        _check_targets(cls, binding, attributes)
    except ResponseError as exc:
        if not (binding.is_cluster and cluster.is_redirect(exc)):
            raise
        client = io.client(binding)  # the topology changed since it was read: read it again
        io.refresh_topology(client)
        _topology_read[client] = time.monotonic()
        _check_targets(cls, binding, attributes)


def _check_targets(
    cls: type[BaseRedisModel], binding: Binding, attributes: Iterable[str]
) -> None:
    for target in targets(binding):
        known = _index_info.known.get((target, cls))
        if known is None or time.monotonic() - known.checked_at > RECHECK_SECONDS:
            known = _refresh(cls, target)
        _check_known(cls, known, attributes)


def _check_known(
    cls: type[BaseRedisModel], known: _index_info.Known, attributes: Iterable[str]
) -> None:
    if known.missing:
        for name in attributes:
            problem = known.missing.get(name)
            if problem is not None:
                field, what = problem
                raise IndexFieldMissingError(
                    f"{cls.__name__}.{field} cannot be queried yet: {what}. The index does "
                    f"not match the model; {_search.FIX}",
                    field=field,
                    index=known.name,
                )


def _refresh(cls: type[BaseRedisModel], target: Target) -> _index_info.Known:
    if not _index.has_index(cls):
        raise IndexNotFoundError(f"{cls.__name__} has no indexed fields")
    if _index_info.init_state["ran"] and cls not in _index_info.prepared:
        # Registered after init_rapyer (a notebook cell), or init_rapyer ran without a client
        # (no I/O there): prepare its index now.
        ensure_index(cls, **_index_info.init_options)
        _index_info.prepared.add(cls)
    alias = _index.index_name(cls, target.tag)
    try:
        serving = info(target, alias)
        if serving is None and target.node is not None and _index_info.init_state["ran"]:
            # A primary of a cluster without its index: the topology changed since init.
            _ensure(cls, target, **_ensure_options())
            serving = info(target, alias)
    except ResponseError as exc:
        if not is_missing_module(exc):
            raise
        serving = None
    if serving is None:
        _index_info.forget(cls)
        raise IndexNotFoundError(not_found_message(cls))
    remember(cls, target, serving)
    return _index_info.known[(target, cls)]


def _ensure_options() -> dict[str, Any]:
    options = _index_info.init_options
    return {
        "exact": bool(options.get("override", True)),
        "timeout": float(options.get("timeout", BUILD_TIMEOUT)),
    }


# ---- status ---------------------------------------------------------------------------------

_WORST = (
    IndexState.NO_SEARCH,
    IndexState.MISSING,
    IndexState.OLD_LAYOUT,
    IndexState.OUTDATED,
    IndexState.INDEXING,
    IndexState.CURRENT,
)


def index_status(cls: type[BaseRedisModel]) -> IndexStatus:
    """What serves ``cls``'s queries, and how far its own schema version is built.

    On a cluster: the least advanced state of the primaries' indexes, their documents summed
    (names without the primaries' tags).
    """
    statuses = [_status(cls, target) for target in targets(binding_of(cls))]
    if len(statuses) == 1:
        return statuses[0]
    worst = min(statuses, key=lambda status: _WORST.index(status.state))
    percents = [status.percent_indexed for status in statuses]
    return dataclasses.replace(
        worst,
        index=_index.index_name(cls),
        version=_index.version_name(cls),
        num_docs=sum(status.num_docs or 0 for status in statuses),
        percent_indexed=None if None in percents else min(p or 0.0 for p in percents),
        stale=tuple(sorted({name for status in statuses for name in status.stale})),
    )


def _status(cls: type[BaseRedisModel], target: Target) -> IndexStatus:
    alias = _index.index_name(cls, target.tag)
    schema = _index.schema_hash(cls)
    version = _index.version_name(cls, schema, target.tag)
    base: dict[str, Any] = {"model": cls, "index": alias, "version": version, "schema_hash": schema}
    try:
        serving = info(target, alias)
        own = serving if serving is not None and serving.name == version else None
        if own is None:
            own = info(target, version)
        serving_name = None if serving is None else serving.name
        stale = tuple(v for v in versions(cls, target) if v not in (version, serving_name))
    except ResponseError as exc:
        if not is_missing_module(exc):
            raise
        return IndexStatus(state=IndexState.NO_SEARCH, **base)
    percent = None if own is None else (100.0 if own.complete else own.percent_indexed * 100)
    base["stale"] = stale
    if serving is None:
        return IndexStatus(state=IndexState.MISSING, percent_indexed=percent, **base)
    if serving.name == version:
        state = IndexState.CURRENT if serving.complete else IndexState.INDEXING
    elif serving.name == alias:
        state = IndexState.OLD_LAYOUT
    else:
        state = IndexState.OUTDATED
    return IndexStatus(
        state=state,
        serving=serving.name,
        percent_indexed=percent,
        num_docs=serving.num_docs,
        missing_fields=_index_info.missing_fields(cls, serving),
        **base,
    )


def versions(cls: type[BaseRedisModel], where: Binding | Target) -> list[str]:
    """The names of the version indexes of ``cls``'s prefix on the server (``FT._LIST``)."""
    target = _target(where)
    names = run(target, "FT._LIST")
    found = (n.decode() if isinstance(n, bytes) else str(n) for n in names or ())
    return sorted(n for n in found if _index.version_hash(cls, n, target.tag) is not None)


def drop_stale(cls: type[BaseRedisModel]) -> list[str]:
    """Drop the versions of ``cls``'s prefix that neither serve nor match ``cls``.

    Each is dropped under the swap lock, after checking that the alias does not serve it.
    Returns the names dropped.
    """
    dropped = []
    for target in targets(binding_of(cls)):
        keep = _index.version_name(cls, tag=target.tag)
        for name in versions(cls, target):
            if name == keep:
                continue
            with swap_lock(cls, target):
                serving = info(target, _index.index_name(cls, target.tag))
                if serving is not None and serving.name == name:
                    continue
                try:
                    run(target, "FT.DROPINDEX", name)
                except ResponseError as exc:
                    if not is_missing_index(exc):
                        raise
                    continue
            _log.info("Dropped the stale index version %s", name)
            dropped.append(name)
    return dropped


# ---- explicit create, drop and wait ---------------------------------------------------------


def create_index(cls: type[BaseRedisModel]) -> bool:
    """``FT.CREATE`` of ``cls``'s schema version, and the alias to it when nothing serves.

    ``False`` when the model has no indexed fields. Raises redis ResponseError when the
    version exists.
    """
    if not _index.has_index(cls):
        return False
    for target in targets(binding_of(cls)):
        name = _index.version_name(cls, tag=target.tag)
        if not create_version(cls, target, name):
            raise ResponseError(f"Index already exists: {name}")
        try:
            run(target, "FT.ALIASADD", _index.index_name(cls, target.tag), name)
        except ResponseError as exc:
            if not _already_exists(exc):
                raise
    _index_info.forget(cls)
    return True


def drop_index(cls: type[BaseRedisModel], missing_ok: bool = False) -> bool:
    """Drop the index serving ``cls`` and the alias (documents kept).

    ``False`` when nothing served and ``missing_ok``; otherwise a missing index raises
    redis ResponseError.
    """
    _index_info.forget(cls)
    dropped = False
    for target in targets(binding_of(cls)):
        alias = _index.index_name(cls, target.tag)
        serving = info(target, alias)
        if serving is None:
            if missing_ok:
                continue
            raise ResponseError(f"Unknown index name: {alias}")
        run(target, "FT.DROPINDEX", serving.name)  # its aliases go with it
        dropped = True
    return dropped


def wait_for_indexing(cls: type[BaseRedisModel], timeout: float = 30.0) -> None:
    """Wait until the index serving ``cls`` has indexed every existing document."""
    deadline = time.monotonic() + timeout
    for target in targets(binding_of(cls)):
        alias = _index.index_name(cls, target.tag)
        while True:
            state = info(target, alias)
            if state is None:
                raise IndexNotFoundError(not_found_message(cls))
            if state.complete:
                break
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{alias} is still indexing")
            io.sleep(0.01)


class SyncIndexOps(_Base):
    """Index lifecycle of a model (mixed into ``AtomicRedisModel``)."""

    @classmethod
    def create_index(cls) -> None:
        """Create this model's schema version and point the alias at it when nothing
        serves; a no-op without indexed fields.

        Raises redis ResponseError when that version exists.
        """
        create_index(cls)

    @classmethod
    def delete_index(cls) -> None:
        """Drop the index serving this model and its alias; documents are kept."""
        drop_index(cls)
