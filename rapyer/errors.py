"""Every error rapyer raises (all derive from :class:`RapyerError`) and every warning it emits
(all derive from :class:`RapyerWarning`)."""

from __future__ import annotations

import warnings
from typing import Any

__all__ = [
    "BadDeleteActionError",
    "BadFilterError",
    "CantSerializeRedisValueError",
    "CascadeKeyInitialsError",
    "CascadeLuaLiteralError",
    "CascadeTargetTtlMissingError",
    "ClusterUnsupportedError",
    "ClusterWriteError",
    "CorruptedModelError",
    "DuplicateModelNameError",
    "FindError",
    "IndexBuildTimeoutError",
    "IndexFieldMissingError",
    "IndexNotFoundError",
    "InvalidCascadeDepthError",
    "InvalidKeyError",
    "InvalidRefreshTtlError",
    "KeyChangeError",
    "KeyNotFound",
    "LockError",
    "LockLostError",
    "LockTimeoutError",
    "MetaFrozenError",
    "MissingParameterError",
    "ModelDefinitionError",
    "NestedModelError",
    "NotResolvedError",
    "StaleItemError",
    "PersistentNoScriptError",
    "RapyerError",
    "RapyerModelDoesntExist",
    "RapyerModelDoesntExistError",
    "RapyerSerializationError",
    "RapyerWarning",
    "ScriptsNotInitializedError",
    "UnaddressableKeyError",
    "UnknownFieldError",
    "UnmigratedSetWarning",
    "UnsupportedArgumentTypeError",
    "UnsupportedArgumentValueError",
    "UnsupportedIndexedFieldError",
    "UpdateAtomicModelError",
]


class RapyerError(Exception):
    """Base class of every rapyer error."""


class RapyerWarning(UserWarning):
    """Base class of every warning rapyer emits."""


class UnmigratedSetWarning(RapyerWarning):
    """A set field is stored inside its document, as the original rapyer 1.2.5 stored it.

    rapyer keeps the members of a set field in a Redis SET of its own; until the data
    migration (``python -m rapyer migrate-original <module>``, or ``migrate_original`` /
    ``amigrate_original``) moves them there, reads show the document's members together with
    those of the set's own key. Emitted once per model class; a read never writes.
    """


class KeyNotFound(RapyerError, KeyError):
    """A key that an operation needs does not exist in Redis (also a ``KeyError``)."""

    def __str__(self) -> str:
        # KeyError quotes its argument; the plain message reads better.
        return str(self.args[0]) if self.args else ""


class KeyChangeError(RapyerError):
    """The ``Key`` field (the pk) of a model that was loaded from or saved to Redis was
    changed: writes would move to another document. Nothing is written."""


class UnaddressableKeyError(RapyerError, ValueError):
    """A dict key that no JSON path can name exactly (it starts with a space, holds a
    backslash, or holds both quote characters): the operation on that one key is refused
    before anything is sent. Saving the whole model or the whole dict field still works."""


class UnknownFieldError(RapyerError, ValueError):
    """An operation names a field the model does not have (also a ``ValueError``)."""


class CantSerializeRedisValueError(RapyerError):
    """A stored value cannot be decoded (not JSON, not an object, wrong Redis type, bad pickle)."""


class CorruptedModelError(CantSerializeRedisValueError):
    """A stored document decodes but fails validation.

    ``key`` names the Redis key and ``errors`` holds pydantic's error list.
    """

    def __init__(self, message: str, *, key: str | None = None, errors: list[Any] | None = None):
        super().__init__(message)
        self.key = key
        self.errors = errors or []


class RapyerModelDoesntExistError(RapyerError, KeyError):
    """A key names no registered model: its prefix is unknown (also a ``KeyError``).

    ``model_name`` is the prefix.
    """

    def __init__(self, model_name: str, message: str | None = None):
        super().__init__(message or f"No registered rapyer model has the prefix {model_name!r}")
        self.model_name = model_name

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


RapyerModelDoesntExist = RapyerModelDoesntExistError


class InvalidKeyError(RapyerModelDoesntExistError, ValueError):
    """A key is malformed: not a string, no ``:``, an empty prefix or pk, or a pk that would
    name one of rapyer's own keys (a lock key).

    Also a ``ValueError``, and a ``RapyerModelDoesntExistError``: a malformed key names no
    model either. ``model_name`` is the text before the first ``:`` (or the key's ``repr``).
    """

    def __init__(self, message: str, model_name: str = ""):
        super().__init__(model_name, message)


class MissingParameterError(RapyerError):
    """A required argument is missing."""


class UnsupportedArgumentTypeError(RapyerError, TypeError):
    """An argument has a type the operation does not accept."""


class UnsupportedArgumentValueError(RapyerError, ValueError):
    """An argument has a value the operation does not accept."""


class UpdateAtomicModelError(RapyerError):
    """``update`` names a set or priority-queue field."""


class NestedModelError(RapyerError, RuntimeError):
    """An operation that needs a top-level model got a nested one."""


class BadDeleteActionError(NestedModelError):
    """``delete`` was called on a nested model."""


class FindError(RapyerError):
    """Base of the query errors."""


class BadFilterError(FindError):
    """A query expression is invalid for the field or its index."""


class UnsupportedIndexedFieldError(FindError):
    """``Index`` was put on a type that cannot be indexed."""


class IndexNotFoundError(FindError):
    """The model's search index does not exist on the server."""


class IndexFieldMissingError(IndexNotFoundError):
    """The index serving a model's queries lacks a field the query uses (or defines it
    differently): the schema changed and the index was not migrated yet.

    ``field`` names the model's field and ``index`` the index that serves the queries. Fix it
    with ``init_rapyer()`` or ``python -m rapyer indexes --migrate <module>``.
    """

    def __init__(self, message: str, *, field: str = "", index: str = ""):
        super().__init__(message)
        self.field = field
        self.index = index


class IndexBuildTimeoutError(FindError, TimeoutError):
    """A new index version was still indexing when the wait ended; the previous version
    keeps serving, and the next ``init_rapyer`` (or ``python -m rapyer indexes --migrate``)
    resumes the switch."""


class ScriptsNotInitializedError(RapyerError):
    """Never raised: scripts load themselves. Kept so imports keep working."""


class PersistentNoScriptError(RapyerError):
    """``NOSCRIPT`` persisted after reloading the scripts and retrying."""


class InvalidRefreshTtlError(RapyerError, ValueError):
    """``refresh_ttl`` contains ``ActionGroup.DELETE``."""


class DuplicateModelNameError(RapyerError):
    """Two different model classes claim the same key prefix."""

    def __init__(self, model_name: str, message: str | None = None):
        super().__init__(message or f"Another model already uses the prefix {model_name!r}")
        self.model_name = model_name


class RapyerSerializationError(RapyerError):
    """A value cannot be converted to its stored form."""


class NotResolvedError(RapyerError):
    """A reference was used before it was fetched."""


class StaleItemError(RapyerError):
    """A value read from a list item is used after the list's items moved (nothing was sent).

    A scalar item (``v = user.scores[2]``) remembers its index; once an insert, pop, remove,
    deletion, sort, reverse, clear or slice change moved the list's items, that index may
    hold another item: read the item from the list again.
    """


class ModelDefinitionError(RapyerError, TypeError):
    """A model class is defined in a way rapyer cannot store."""


class LockError(RapyerError):
    """Base of the lock errors."""


class LockTimeoutError(LockError, TimeoutError):
    """The lock was not acquired within ``blocking_timeout``."""


class LockLostError(LockError):
    """The lock's token was gone when it was checked (lease expired or taken over)."""

    def __init__(self, message: str, *, key: str | None = None, action: str | None = None):
        super().__init__(message)
        self.key = key
        self.action = action


class MetaFrozenError(RapyerError):
    """Never raised: Meta is not frozen. Kept so imports keep working."""


class CascadeKeyInitialsError(RapyerError):
    """Never raised: lookup is by prefix. Kept so imports keep working."""


class CascadeLuaLiteralError(RapyerError):
    """Never raised: Redis Functions are not used. Kept so imports keep working."""


class CascadeTargetTtlMissingError(RapyerError):
    """A class reachable through a TTL cascade has no ``Meta.ttl``."""

    def __init__(self, model_name: str, message: str | None = None):
        super().__init__(message or f"Cascade target {model_name!r} has no Meta.ttl")
        self.model_name = model_name


class InvalidCascadeDepthError(RapyerError, ValueError):
    """A cascade depth is negative."""


class ClusterUnsupportedError(RapyerError):
    """The operation cannot run on a Redis Cluster as asked (nothing was sent).

    For example a command over keys of several hash slots that cannot be split, such as a
    set union with another model's set; put the keys in one slot with a shared hash tag.
    """


class ClusterWriteError(RapyerError):
    """A write over several hash slots was applied in some slots only.

    Each slot's commands ran as one transaction, so every slot is either fully applied or
    not at all: ``applied_slots`` lists the slots that were written, ``failed_slots`` maps
    each other slot to the error that refused it.
    """

    def __init__(self, applied_slots: list[int], failed_slots: dict[int, BaseException]):
        self.applied_slots = applied_slots
        self.failed_slots = failed_slots
        first = next(iter(failed_slots.values()), None)
        super().__init__(
            f"{len(failed_slots)} hash slot(s) not written ({sorted(failed_slots)[:8]}), "
            f"{len(applied_slots)} written; first error: {first!r}"
        )


def __getattr__(name: str) -> Any:
    if name == "UnsupportArgumentTypeError":
        warnings.warn(
            "UnsupportArgumentTypeError is deprecated; use UnsupportedArgumentTypeError",
            DeprecationWarning,
            stacklevel=2,
        )
        return UnsupportedArgumentTypeError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
