# GENERATED from rapyer/_async/index_ops.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""RediSearch index lifecycle: create and drop a model's index."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from redis.exceptions import ResponseError

from rapyer import _index
from rapyer import _io_sync as io
from rapyer._sync import executor
from rapyer._binding import binding_of
from rapyer._search import is_missing_index, is_missing_module

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel
    from rapyer._model import BaseRedisModel as _Base
else:
    _Base = object

_log = logging.getLogger("rapyer")


def create_index(cls: type[BaseRedisModel]) -> bool:
    """``FT.CREATE`` of ``cls``'s index; ``False`` when the model has no indexed fields.

    Retries without ``INDEXEMPTY`` on servers older than RediSearch 2.10.
    """
    if not _index.has_index(cls):
        return False
    binding = binding_of(cls)
    try:
        executor.execute(binding, *_index.create_index_args(cls, index_empty=True))
    except ResponseError as exc:
        if "indexempty" not in str(exc).lower() and "unknown argument" not in str(exc).lower():
            raise
        executor.execute(binding, *_index.create_index_args(cls, index_empty=False))
    return True


def drop_index(cls: type[BaseRedisModel], missing_ok: bool = False) -> bool:
    """``FT.DROPINDEX`` (documents kept). ``False`` when it was missing and ``missing_ok``."""
    try:
        executor.execute(binding_of(cls), "FT.DROPINDEX", _index.index_name(cls))
    except ResponseError as exc:
        if missing_ok and is_missing_index(exc):
            return False
        raise
    return True


def index_exists(cls: type[BaseRedisModel]) -> bool:
    try:
        executor.execute(binding_of(cls), "FT.INFO", _index.index_name(cls))
    except ResponseError as exc:
        if is_missing_index(exc):
            return False
        raise
    return True


def ensure_index(cls: type[BaseRedisModel], override: bool = True) -> bool:
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
                drop_index(cls)
            except ResponseError as exc:
                if is_missing_module(exc):
                    raise
        elif index_exists(cls):
            return False
        return create_index(cls)
    except ResponseError as exc:
        if not is_missing_module(exc):
            raise
        _log.warning(
            "The server of %s has no RediSearch: its index was not created, and queries "
            "on it will fail",
            cls.__name__,
        )
        return False


def wait_for_indexing(cls: type[BaseRedisModel], timeout: float = 30.0) -> None:
    """Wait until the server has indexed every existing document of ``cls``."""
    deadline = time.monotonic() + timeout
    while True:
        info = executor.execute(binding_of(cls), "FT.INFO", _index.index_name(cls))
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
        io.sleep(0.01)


class SyncIndexOps(_Base):
    """Index lifecycle of a model (mixed into ``AtomicRedisModel``)."""

    @classmethod
    def create_index(cls) -> None:
        """``FT.CREATE`` of this model's index; a no-op without indexed fields.

        Raises redis ResponseError when the index exists.
        """
        create_index(cls)

    @classmethod
    def delete_index(cls) -> None:
        """``FT.DROPINDEX`` of this model's index; documents are kept."""
        drop_index(cls)
