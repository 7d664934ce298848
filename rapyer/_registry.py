"""Class registry: key prefix -> model class."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from rapyer._keys import LOCK_SUFFIX, SEPARATOR, TAG_OPEN, split_key
from rapyer.errors import DuplicateModelNameError, RapyerModelDoesntExistError

if TYPE_CHECKING:
    from rapyer.model import AtomicRedisModel

logger = logging.getLogger("rapyer")

_by_prefix: dict[str, type[AtomicRedisModel]] = {}


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def register(cls: type[AtomicRedisModel], prefix: str) -> None:
    """Register ``cls`` under ``prefix``.

    A different class with the same prefix raises DuplicateModelNameError; the same qualified
    name (a re-run notebook cell) replaces the old class with a warning.
    """
    old = _by_prefix.get(prefix)
    if old is not None and old is not cls:
        if _qualname(old) != _qualname(cls):
            raise DuplicateModelNameError(
                prefix,
                f"Model prefix {prefix!r} of {_qualname(cls)} is already used by {_qualname(old)}",
            )
        logger.warning("Model %s was redefined; the new class replaces the old one", prefix)
        del _by_prefix[prefix]  # keep registration order: the new class goes last
    _by_prefix[prefix] = cls


def unregister(cls: type[AtomicRedisModel]) -> None:
    """Remove ``cls`` from the registry (no error when absent)."""
    for prefix, klass in list(_by_prefix.items()):
        if klass is cls:
            del _by_prefix[prefix]


def models() -> list[type[AtomicRedisModel]]:
    """A snapshot of the registered classes, in registration order."""
    return list(_by_prefix.values())


def by_prefix(prefix: str) -> type[AtomicRedisModel] | None:
    return _by_prefix.get(prefix)


def class_for_key(key: object) -> type[AtomicRedisModel]:
    """The class registered for ``key``'s prefix, checked before any I/O.

    Raises InvalidKeyError for a malformed key (not a string, no ``:``, an empty prefix or
    pk) and RapyerModelDoesntExistError for an unknown prefix; the first is a subclass of the
    second. Every module function resolves keys here (the table in docs/guide/errors.md).
    """
    if type(key) is str and key[:1] != TAG_OPEN:
        # fast path: the usual key, ``prefix:pk`` of a registered prefix (one lookup in the
        # per-prefix map, which ``register`` and ``unregister`` keep current). What
        # ``split_key`` checks, without its calls: ``untag`` keeps a key without an opening
        # brace, a registered prefix is non-empty and holds no ":", so the split is at its
        # ":"; the pk must be non-empty and the key no lock key. Checked against the general
        # path by ``tests/common/test_registry_keys.py`` (hypothesis).
        prefix, _, pk = key.partition(SEPARATOR)
        cls = _by_prefix.get(prefix)
        if cls is not None and pk and not key.endswith(LOCK_SUFFIX):
            return cls
    prefix, _ = split_key(key)  # type: ignore[arg-type]
    cls = _by_prefix.get(prefix)
    if cls is None:
        raise RapyerModelDoesntExistError(
            prefix, f"No registered model has the prefix {prefix!r} (key {key!r})"
        )
    return cls
