"""Module functions: set-up, teardown and lookups by full key."""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any

from rapyer import _index, _index_info, _registry, cascade
from rapyer import _io_async as io
from rapyer import config as _config
from rapyer._async import index_ops
from rapyer._model import BaseRedisModel
from rapyer.errors import KeyNotFound, RapyerModelDoesntExistError, UnsupportedArgumentTypeError
from rapyer.results import IndexStatus

if TYPE_CHECKING:
    from rapyer.model import AtomicRedisModel

_UNSET: Any = object()
_log = logging.getLogger("rapyer")


async def init_rapyer(
    redis: Any = _UNSET,
    ttl: Any = _UNSET,
    override_old_idx: bool = True,
    prefer_normal_json_dump: bool | None = None,
    cascade_ttl: Any = _UNSET,
    logger: logging.Logger | None = None,
    index_timeout: float = index_ops.BUILD_TIMEOUT,
    **config: Any,
) -> None:
    """Set process-wide defaults and prepare the registered models.

    ``redis`` is a URL or a redis-py client (of either kind); ``ttl`` and any other ``RedisConfig``
    option given become defaults for models whose Meta does not set them. Only the names
    passed are replaced. Calling it is optional except for queries. Without ``redis`` it
    does no I/O: each model's index is then prepared by its first query.

    Each model's search index is made to match the model without dropping one that
    queries use: a changed schema is built as a new version beside the serving one, which
    keeps serving until the new one has indexed every document (at most ``index_timeout``
    seconds, then IndexBuildTimeoutError). ``override_old_idx=False`` keeps a serving index
    that has every field the model queries, even with extra ones.
    """
    values = dict(config)
    if redis is not _UNSET:
        values["redis"] = redis
    if ttl is not _UNSET:
        values["ttl"] = ttl
    if cascade_ttl is not _UNSET:
        values["cascade_ttl"] = cascade_ttl
    if prefer_normal_json_dump is not None:
        warnings.warn(
            "prefer_normal_json_dump is ignored: rapyer always stores JSON",
            DeprecationWarning,
            stacklevel=2,
        )
    _config.set_init_defaults(values)
    if logger is not None:
        _log.setLevel(logger.level)
        for handler in logger.handlers:
            if handler not in _log.handlers:
                _log.addHandler(handler)
    check_cascade_plan()
    if redis is _UNSET:
        # No client given: no I/O now (as the original); each model's first query prepares
        # its index with these options.
        _index_info.init_options.clear()
        _index_info.init_options.update(override=override_old_idx, timeout=index_timeout)
        _index_info.init_state["ran"] = True
        return
    _index_info.init_options.clear()
    await create_indexes(override_old_idx, index_timeout)


def check_cascade_plan() -> None:
    """CascadeTargetTtlMissingError when a class reachable by an enabled TTL cascade edge of a
    registered model has no ``Meta.ttl``."""
    cascade.check_plan(
        _registry.models(),
        lambda cls: _config.resolve(cls, "cascade_ttl"),
        lambda cls: _config.resolve(cls, "ttl"),
    )


async def create_indexes(
    override_old_idx: bool = True, timeout: float = index_ops.BUILD_TIMEOUT
) -> None:
    """Make the index of every registered model with indexed fields match it.

    Models registered later get theirs on their first query. On a cluster every primary
    gets its own index.
    """
    _index_info.init_state["ran"] = True
    for model in _registry.models():
        _index_info.prepared.add(model)
        if _index.has_index(model):
            await index_ops.ensure_index(model, override=override_old_idx, timeout=timeout)


async def aindex_status(*models: type[BaseRedisModel]) -> list[IndexStatus]:
    """The index status of ``models`` (default: every registered model with indexed fields).

    Each entry names the model, the index its queries use, its schema hash and version, the
    state (``IndexState``), what serves and how far the model's version is built.
    """
    chosen = models or tuple(m for m in _registry.models() if _index.has_index(m))
    return [await index_ops.index_status(model) for model in chosen]


async def teardown_rapyer() -> None:
    """Close the clients rapyer created or was given; the next call reconnects lazily."""
    await io.close_clients()


async def aget(redis_key: str) -> AtomicRedisModel:
    """The stored model at a full key, of whichever registered class its prefix names.

    Raises InvalidKeyError (a ValueError) for a malformed key, RapyerModelDoesntExistError (a
    KeyError) for an unknown prefix, both before any I/O, and KeyNotFound for a missing key.
    """
    cls = _registry.class_for_key(redis_key)
    return await cls.aget(redis_key)


async def afind_one(redis_key: str) -> AtomicRedisModel | None:
    """As ``get``, but ``None`` for a missing key (bad keys raise as in ``get``)."""
    cls = _registry.class_for_key(redis_key)
    try:
        return await cls.aget(redis_key)
    except KeyNotFound:
        return None


async def aexists(redis_key: str | BaseRedisModel) -> bool:
    """Whether the key (or the model's key) exists; ``False`` for unknown or malformed keys.

    Anything but a string or a model raises UnsupportedArgumentTypeError.
    """
    if isinstance(redis_key, BaseRedisModel):
        exists: bool = await type(redis_key.root_model()).aexists(redis_key.root_model().key)
        return exists
    if not isinstance(redis_key, str):
        raise UnsupportedArgumentTypeError(
            f"exists takes a full key or a model, got {type(redis_key).__name__}"
        )
    try:
        cls = _registry.class_for_key(redis_key)
    except RapyerModelDoesntExistError:  # InvalidKeyError included
        return False
    return await cls.aexists(redis_key)
