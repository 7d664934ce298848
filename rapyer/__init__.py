"""rapyer: Pydantic v2 models in Redis (RedisJSON), safe under concurrency.

Every operation has an async form (``aget``, ``asave`` ...) and a blocking twin (``get``,
``save`` ...) on the same classes and in this module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rapyer import _registry

if TYPE_CHECKING:  # the public names, for type checkers and readers (loaded on first use)
    from rapyer import cascade as cascade  # the submodule, as rapyer.cascade
    from rapyer._async.bulk_functions import adelete_many, afind, aget_or_create, ainsert
    from rapyer._async.cluster_keys import amigrate_cluster_keys
    from rapyer._async.functions import (
        aexists,
        afind_one,
        aget,
        aindex_status,
        init_rapyer,
        teardown_rapyer,
    )
    from rapyer._async.lock import alock_from_key
    from rapyer._async.migrate import amigrate_original
    from rapyer._async.pipeline import apipeline
    from rapyer._lock import ModelLock
    from rapyer._migration import MigrationResult, ModelMigration
    from rapyer._sync.bulk_functions import delete_many, find, get_or_create, insert
    from rapyer._sync.cluster_keys import migrate_cluster_keys
    from rapyer._sync.functions import (
        exists,
        find_one,
        get,
        index_status,
        init_rapyer_sync,
        teardown_rapyer_sync,
    )
    from rapyer._sync.lock import lock_from_key
    from rapyer._sync.migrate import migrate_original
    from rapyer._sync.pipeline import pipeline
    from rapyer._typed import ops, q
    from rapyer.actions import ActionGroup, TargetSource, mark_actions
    from rapyer.cascade import CascadeResult
    from rapyer.config import RedisConfig
    from rapyer.errors import (
        CantSerializeRedisValueError,
        CorruptedModelError,
        IndexBuildTimeoutError,
        IndexFieldMissingError,
        IndexNotFoundError,
        InvalidKeyError,
        KeyNotFound,
        MissingParameterError,
        NestedModelError,
        PersistentNoScriptError,
        RapyerError,
        RapyerModelDoesntExist,
        RapyerModelDoesntExistError,
        RapyerSerializationError,
        RapyerWarning,
        StaleItemError,
        UnmigratedSetWarning,
        UnsupportedArgumentTypeError,
        UnsupportedArgumentValueError,
    )
    from rapyer.fields import IndexOf as Index
    from rapyer.fields import IndexOptions, RapyerKey
    from rapyer.fields import KeyOf as Key
    from rapyer.fields import PickleOf as Pickle
    from rapyer.fields import SafeLoadOf as SafeLoad
    from rapyer.model import AtomicRedisModel
    from rapyer.results import (
        DeleteResult,
        GetOrCreateResult,
        GetOrCreateStatus,
        IndexState,
        IndexStatus,
        RapyerDeleteResult,
    )

# The module behind each public name. The facade imports them all on the first use of a name
# it does not hold yet (PEP 562): ``import rapyer`` alone, and the pytest plugin in
# ``rapyer.testing``, load neither redis-py nor pydantic; after that first use the package is
# what an eager facade gives.
_HOMES: dict[str, tuple[str, ...]] = {
    "rapyer._async.bulk_functions": ("adelete_many", "afind", "aget_or_create", "ainsert"),
    "rapyer._async.functions": (
        "aexists",
        "afind_one",
        "aget",
        "aindex_status",
        "init_rapyer",
        "teardown_rapyer",
    ),
    "rapyer._async.cluster_keys": ("amigrate_cluster_keys",),
    "rapyer._async.lock": ("alock_from_key",),
    "rapyer._async.migrate": ("amigrate_original",),
    "rapyer._async.pipeline": ("apipeline",),
    "rapyer._lock": ("ModelLock",),
    "rapyer._migration": ("MigrationResult", "ModelMigration"),
    "rapyer._sync.bulk_functions": ("delete_many", "find", "get_or_create", "insert"),
    "rapyer._sync.functions": (
        "exists",
        "find_one",
        "get",
        "index_status",
        "init_rapyer_sync",
        "teardown_rapyer_sync",
    ),
    "rapyer._sync.cluster_keys": ("migrate_cluster_keys",),
    "rapyer._sync.lock": ("lock_from_key",),
    "rapyer._sync.migrate": ("migrate_original",),
    "rapyer._sync.pipeline": ("pipeline",),
    "rapyer.actions": ("ActionGroup", "TargetSource", "mark_actions"),
    "rapyer.cascade": ("CascadeResult",),
    "rapyer.config": ("RedisConfig",),
    "rapyer.errors": (
        "CantSerializeRedisValueError",
        "CorruptedModelError",
        "IndexBuildTimeoutError",
        "IndexFieldMissingError",
        "IndexNotFoundError",
        "InvalidKeyError",
        "KeyNotFound",
        "MissingParameterError",
        "NestedModelError",
        "PersistentNoScriptError",
        "RapyerError",
        "RapyerModelDoesntExist",
        "RapyerModelDoesntExistError",
        "RapyerSerializationError",
        "RapyerWarning",
        "StaleItemError",
        "UnmigratedSetWarning",
        "UnsupportedArgumentTypeError",
        "UnsupportedArgumentValueError",
    ),
    "rapyer.fields": ("Index", "IndexOptions", "Key", "Pickle", "RapyerKey", "SafeLoad"),
    "rapyer.model": ("AtomicRedisModel",),
    "rapyer._typed": ("ops", "q"),
    "rapyer.results": (
        "DeleteResult",
        "GetOrCreateResult",
        "GetOrCreateStatus",
        "IndexState",
        "IndexStatus",
        "RapyerDeleteResult",
    ),
}


def _load() -> None:
    for home, names in _HOMES.items():
        module = importlib.import_module(home)
        for name in names:
            globals().setdefault(name, getattr(module, name))


# Public name -> its home module. Only these names load the facade: any other name (a
# submodule such as ``rapyer._keys`` being imported with ``from rapyer import _keys``) must
# raise AttributeError at once, so that Python imports the submodule instead of running
# ``_load`` in the middle of another module's import (an import cycle).
_HOME_OF = {name: home for home, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    if name in _HOME_OF:
        _load()
        return globals()[name]
    raise AttributeError(f"module 'rapyer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__version__ = "2.0.0a1"


def find_redis_models() -> list[type[AtomicRedisModel]]:
    """A snapshot of the registered model classes, in registration order."""
    return _registry.models()


__all__ = [
    "ActionGroup",
    "AtomicRedisModel",
    "CantSerializeRedisValueError",
    "CascadeResult",
    "CorruptedModelError",
    "DeleteResult",
    "GetOrCreateResult",
    "GetOrCreateStatus",
    "Index",
    "IndexBuildTimeoutError",
    "IndexFieldMissingError",
    "IndexNotFoundError",
    "IndexOptions",
    "IndexState",
    "IndexStatus",
    "InvalidKeyError",
    "Key",
    "KeyNotFound",
    "MigrationResult",
    "MissingParameterError",
    "ModelMigration",
    "ModelLock",
    "NestedModelError",
    "PersistentNoScriptError",
    "Pickle",
    "RapyerDeleteResult",
    "RapyerError",
    "RapyerKey",
    "RapyerModelDoesntExist",
    "RapyerModelDoesntExistError",
    "RapyerSerializationError",
    "RapyerWarning",
    "RedisConfig",
    "SafeLoad",
    "StaleItemError",
    "TargetSource",
    "UnmigratedSetWarning",
    "UnsupportedArgumentTypeError",
    "UnsupportedArgumentValueError",
    "adelete_many",
    "aexists",
    "afind",
    "afind_one",
    "aget",
    "aget_or_create",
    "aindex_status",
    "ainsert",
    "alock_from_key",
    "amigrate_cluster_keys",
    "amigrate_original",
    "apipeline",
    "delete_many",
    "exists",
    "find",
    "find_one",
    "find_redis_models",
    "get",
    "get_or_create",
    "index_status",
    "init_rapyer",
    "init_rapyer_sync",
    "insert",
    "lock_from_key",
    "mark_actions",
    "migrate_cluster_keys",
    "migrate_original",
    "ops",
    "pipeline",
    "q",
    "teardown_rapyer",
    "teardown_rapyer_sync",
]
