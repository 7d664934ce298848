"""``AtomicRedisModel``: the public model base, with the async API and its blocking twin.

The composition layer of the model: it also wires ``mark_actions`` to the TTL refresh of both
APIs, and imports ``rapyer.types`` (which registers the Redis types of the annotation rewrite)
before any model class is created.
"""

from __future__ import annotations

from rapyer import actions
from rapyer import types as _types  # noqa: F401  (registers the Redis field types)
from rapyer._async.bulk import AsyncBulkOps
from rapyer._async.bulk import refresh_groups as _async_refresh
from rapyer._async.index_ops import AsyncIndexOps
from rapyer._async.lock import AsyncLockOps
from rapyer._async.model_ops import AsyncModelOps
from rapyer._async.pipeline import AsyncPipelineOps
from rapyer._model import BaseRedisModel
from rapyer._sync.bulk import SyncBulkOps
from rapyer._sync.bulk import refresh_groups as _sync_refresh
from rapyer._sync.index_ops import SyncIndexOps
from rapyer._sync.lock import SyncLockOps
from rapyer._sync.model_ops import SyncModelOps
from rapyer._sync.pipeline import SyncPipelineOps
from rapyer.config import RedisConfig

__all__ = ["AtomicRedisModel"]

actions.register_refresh(_async_refresh, _sync_refresh)


class AtomicRedisModel(
    AsyncModelOps,
    SyncModelOps,
    AsyncBulkOps,
    SyncBulkOps,
    AsyncPipelineOps,
    SyncPipelineOps,
    AsyncLockOps,
    SyncLockOps,
    AsyncIndexOps,
    SyncIndexOps,
    BaseRedisModel,
):
    """Base class of models stored in Redis as JSON documents.

    Every I/O operation exists twice: ``asave``/``save``, ``aget``/``get`` and so on.
    """

    Meta = RedisConfig(init_with_rapyer=False)
