"""rapyer: Pydantic v2 models in Redis (RedisJSON), safe under concurrency.

Every operation has an async form (``aget``, ``asave`` ...) and a blocking twin (``get``,
``save`` ...) on the same classes and in this module.
"""

from __future__ import annotations

from rapyer import _registry
from rapyer._async.functions import aexists, afind_one, aget, init_rapyer, teardown_rapyer
from rapyer._async.pipeline import apipeline
from rapyer._sync.functions import exists, find_one, get, init_rapyer_sync, teardown_rapyer_sync
from rapyer._sync.pipeline import pipeline
from rapyer.actions import ActionGroup
from rapyer.config import RedisConfig
from rapyer.errors import (
    CantSerializeRedisValueError,
    CorruptedModelError,
    InvalidKeyError,
    KeyNotFound,
    RapyerError,
    RapyerModelDoesntExistError,
)
from rapyer.fields import Index, Key, Pickle, RapyerKey, SafeLoad
from rapyer.model import AtomicRedisModel

__version__ = "0.1.0"


def find_redis_models() -> list[type[AtomicRedisModel]]:
    """A snapshot of the registered model classes, in registration order."""
    return _registry.models()  # type: ignore[return-value]


__all__ = [
    "ActionGroup",
    "AtomicRedisModel",
    "CantSerializeRedisValueError",
    "CorruptedModelError",
    "Index",
    "InvalidKeyError",
    "Key",
    "KeyNotFound",
    "Pickle",
    "RapyerError",
    "RapyerKey",
    "RapyerModelDoesntExistError",
    "RedisConfig",
    "SafeLoad",
    "aexists",
    "afind_one",
    "aget",
    "apipeline",
    "exists",
    "find_one",
    "find_redis_models",
    "get",
    "init_rapyer",
    "init_rapyer_sync",
    "pipeline",
    "teardown_rapyer",
    "teardown_rapyer_sync",
]
