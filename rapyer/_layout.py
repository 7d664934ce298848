"""The key layout of a model class: ``prefix:pk``, or ``{prefix:pk}`` for a cluster (no I/O).

``Meta.cluster_keys=True`` stores hash-tagged keys, so a model's document, special-field keys
and lock keys share one cluster slot; ``None`` (the default) means "when the class is bound to a
cluster"; ``False`` keeps the plain layout even there (then every operation touching more than
one key of a model raises ``ClusterUnsupportedError`` on the cluster).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any

from rapyer import _keys
from rapyer import config as _config
from rapyer._binding import binding_of

__all__ = ["full_key", "full_keys", "head", "model_key", "scan_pattern", "tagged"]

# Per class: (config generation, tagged). A class without a configured redis falls back to
# REDIS_URL at each call, so its answer is cached for the generation only.
_cache: dict[type, tuple[int, bool]] = {}


def tagged(cls: type[Any]) -> bool:
    """Whether ``cls`` stores its keys in the cluster layout now."""
    generation = _config.generation()
    cached = _cache.get(cls)
    if cached is not None and cached[0] == generation:
        return cached[1]
    option = _config.resolve(cls, "cluster_keys")
    value = bool(binding_of(cls).is_cluster) if option is None else bool(option)
    _cache[cls] = (generation, value)
    return value


def head(cls: type[Any]) -> str:
    """What every model key of ``cls`` starts with (``prefix:`` or ``{prefix:``)."""
    prefix: str = cls.class_key_initials() + _keys.SEPARATOR
    return _keys.TAG_OPEN + prefix if tagged(cls) else prefix


# Per class: (config generation, key prefix, tagged), resolved once per generation: a model
# key is built for every field operation.
_prefixes: dict[type, tuple[int, str, bool]] = {}


def model_key(cls: type[Any], pk: str) -> str:
    """The key of the ``cls`` model with ``pk``."""
    generation = _config.generation()
    cached = _prefixes.get(cls)
    if cached is None or cached[0] != generation:
        cached = _prefixes[cls] = (generation, cls.class_key_initials(), tagged(cls))
    if cached[2]:
        return _keys.tagged_key(cached[1], pk)
    return _keys.build_key(cached[1], pk)


def full_key(cls: type[Any], key_or_pk: str) -> str:
    """The key of ``cls`` from a full key of either layout or a bare pk."""
    prefix = cls.class_key_initials()
    if tagged(cls):
        return _keys.layout_key(prefix, key_or_pk, True)
    if isinstance(key_or_pk, str) and _keys.is_tagged(key_or_pk):
        return _keys.layout_key(prefix, key_or_pk, False)
    return _keys.full_key(prefix, key_or_pk)


def full_keys(cls: type[Any], keys_or_pks: Iterable[str]) -> list[str]:
    """``full_key`` of each item, in order."""
    prefix = cls.class_key_initials()
    if tagged(cls):
        return [_keys.layout_key(prefix, key, True) for key in keys_or_pks]
    items = list(keys_or_pks)
    if _keys.usual_full_keys(items, prefix + _keys.SEPARATOR):
        return items  # the usual call: full keys of this class, checked in one joined text
    if all(issubclass(kind, str) for kind in set(map(type, items))):
        # Only text (the usual call): one C-level pass looks for keys of the cluster layout.
        if not any(map(_starts_tagged, items)):
            return _keys.full_keys(prefix, items)
    elif not any(isinstance(key, str) and _keys.is_tagged(key) for key in items):
        return _keys.full_keys(prefix, items)  # raises for the first key that is not text
    return [full_key(cls, key) for key in items]


# A key of the cluster layout starts with "{" (``_keys.is_tagged`` decides for the others).
_starts_tagged = operator.methodcaller("startswith", _keys.TAG_OPEN)


def scan_pattern(cls: type[Any]) -> str:
    """The SCAN pattern of every key of ``cls``."""
    return _keys.scan_pattern(cls.class_key_initials(), tagged(cls))
