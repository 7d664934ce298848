"""RediSearch index lifecycle: create and drop a model's index."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from redis.exceptions import ResponseError

from rapyer import _index
from rapyer import _io_async as io
from rapyer._async import executor
from rapyer._binding import binding_of
from rapyer._search import is_missing_index, is_missing_module

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel
    from rapyer._model import BaseRedisModel as _Base
else:
    _Base = object

_log = logging.getLogger("rapyer")


async def create_index(cls: type[BaseRedisModel]) -> bool:
    """``FT.CREATE`` of ``cls``'s index; ``False`` when the model has no indexed fields.

    Retries without ``INDEXEMPTY`` on servers older than RediSearch 2.10.
    """
    if not _index.has_index(cls):
        return False
    binding = binding_of(cls)
    try:
        await executor.execute(binding, *_index.create_index_args(cls, index_empty=True))
    except ResponseError as exc:
        if "indexempty" not in str(exc).lower() and "unknown argument" not in str(exc).lower():
            raise
        await executor.execute(binding, *_index.create_index_args(cls, index_empty=False))
    return True


async def drop_index(cls: type[BaseRedisModel], missing_ok: bool = False) -> bool:
    """``FT.DROPINDEX`` (documents kept). ``False`` when it was missing and ``missing_ok``."""
    try:
        await executor.execute(binding_of(cls), "FT.DROPINDEX", _index.index_name(cls))
    except ResponseError as exc:
        if missing_ok and is_missing_index(exc):
            return False
        raise
    return True


async def index_exists(cls: type[BaseRedisModel]) -> bool:
    try:
        await executor.execute(binding_of(cls), "FT.INFO", _index.index_name(cls))
    except ResponseError as exc:
        if is_missing_index(exc):
            return False
        raise
    return True


async def ensure_index(cls: type[BaseRedisModel], override: bool = True) -> bool:
    """Create ``cls``'s index as ``init_rapyer`` does.

    With ``override``, drop it first (errors ignored, documents kept); otherwise create it
    only when it is missing. Returns ``False`` when nothing was done because the model has
    no index or the server has no RediSearch (logged as a WARNING).
    """
    if not _index.has_index(cls):
        return False
    try:
        if override:
            try:
                await drop_index(cls)
            except ResponseError as exc:
                if is_missing_module(exc):
                    raise
        elif await index_exists(cls):
            return False
        return await create_index(cls)
    except ResponseError as exc:
        if not is_missing_module(exc):
            raise
        _log.warning(
            "The server of %s has no RediSearch: its index was not created, and queries "
            "on it will fail",
            cls.__name__,
        )
        return False


async def wait_for_indexing(cls: type[BaseRedisModel], timeout: float = 30.0) -> None:
    """Wait until the server has indexed every existing document of ``cls``."""
    deadline = time.monotonic() + timeout
    while True:
        info = await executor.execute(binding_of(cls), "FT.INFO", _index.index_name(cls))
        data: Any = (
            info if isinstance(info, dict) else dict(zip(info[::2], info[1::2], strict=False))
        )
        if (
            str(data.get("indexing", 0)) in ("0", "0.0")
            and float(data.get("percent_indexed", 1)) >= 1.0
        ):
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{_index.index_name(cls)} is still indexing")
        await io.sleep(0.01)


class AsyncIndexOps(_Base):
    """Index lifecycle of a model (mixed into ``AtomicRedisModel``)."""

    @classmethod
    async def acreate_index(cls) -> None:
        """``FT.CREATE`` of this model's index; a no-op without indexed fields.

        Raises redis ResponseError when the index exists.
        """
        await create_index(cls)

    @classmethod
    async def adelete_index(cls) -> None:
        """``FT.DROPINDEX`` of this model's index; documents are kept."""
        await drop_index(cls)
