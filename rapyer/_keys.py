"""Key codec: the single place that builds and parses Redis keys.

Model key ``{prefix}:{pk}``; special-field key ``__rapyer_special__:{model key}:{field.path}``;
lock key ``{model key}/{action}:lock``.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable

from rapyer.errors import InvalidKeyError

SEPARATOR = ":"
SPECIAL_PREFIX = "__rapyer_special__"
LOCK_SUFFIX = ":lock"
_GLOB_SPECIAL = frozenset("*?[]\\")


def build_key(prefix: str, pk: str) -> str:
    """The full key of the model with ``prefix`` and ``pk``."""
    return f"{prefix}{SEPARATOR}{pk}"


def split_key(key: str) -> tuple[str, str]:
    """Split a full key into ``(prefix, pk)`` at the first ``:``.

    Raises InvalidKeyError when the key is not a string, has no ``:``, or an empty part.
    """
    if not isinstance(key, str):
        raise InvalidKeyError(f"A rapyer key must be a string, not {type(key).__name__}", repr(key))
    prefix, sep, pk = key.partition(SEPARATOR)
    if not sep or not prefix or not pk:
        raise InvalidKeyError(f"Invalid rapyer key {key!r}: expected '<prefix>:<pk>'", prefix)
    return prefix, pk


def full_key(prefix: str, key_or_pk: str) -> str:
    """A full key from a full key or a bare pk (anything not starting with ``prefix:``)."""
    key_or_pk = str(key_or_pk)
    if key_or_pk.startswith(prefix + SEPARATOR):
        return key_or_pk
    return build_key(prefix, key_or_pk)


def full_keys(prefix: str, keys_or_pks: Iterable[str]) -> list[str]:
    """``full_key`` of each item, in order."""
    head = prefix + SEPARATOR
    return [key if key.startswith(head) else head + key for key in map(str, keys_or_pks)]


def pk_of(key: str) -> str:
    """The text after the first ``:`` (the whole text when there is none)."""
    _, sep, pk = key.partition(SEPARATOR)
    return pk if sep else key


def special_key(model_key: str, field_path: str) -> str:
    """The key of a set or queue field that lives outside the document."""
    return f"{SPECIAL_PREFIX}{SEPARATOR}{model_key}{SEPARATOR}{field_path}"


def lock_key(model_key: str, action: str) -> str:
    """The key of the lock for ``action`` on ``model_key``."""
    return f"{model_key}/{action}{LOCK_SUFFIX}"


def is_lock_key(key: str) -> bool:
    """Whether ``key`` looks like a lock key (``.../<action>:lock``)."""
    if not key.endswith(LOCK_SUFFIX):
        return False
    return "/" in key[: -len(LOCK_SUFFIX)]


# Whether a key ends like a lock key (``is_lock_key`` decides): a C-level test to run over a
# whole SCAN reply with ``map`` before filtering it.
maybe_lock_key = operator.methodcaller("endswith", LOCK_SUFFIX)


def escape_glob(text: str) -> str:
    """Escape ``* ? [ ] \\`` so ``text`` matches literally in a SCAN ``MATCH`` pattern."""
    return "".join("\\" + ch if ch in _GLOB_SPECIAL else ch for ch in text)


def scan_pattern(prefix: str) -> str:
    """The SCAN pattern of every key under ``prefix``."""
    return escape_glob(prefix + SEPARATOR) + "*"


def validate_prefix(prefix: object) -> str:
    """Check a model prefix: a non-empty string without ``:``."""
    if not isinstance(prefix, str) or not prefix or SEPARATOR in prefix:
        raise ValueError(f"Invalid key prefix {prefix!r}: it must be non-empty and contain no ':'")
    return prefix
