"""Decoding of a set field from the members of its Redis SET (no I/O).

rapyer keeps the members of a set field in a SET of their own (``<key>.<path>``); its
document never holds the field (``_codec.exclude_of``). The original rapyer 1.2.5 stored
the set inside the document instead. A read of such a document (the field's name is among
the fields its validation saw, ``__pydantic_fields_set__``) shows the members decoded from
the document together with those of the set's own key (what the migration will store), and
warns once per model class (``UnmigratedSetWarning``) until ``migrate_original`` moves them.
A read never writes.
"""

from __future__ import annotations

import json
import logging
import warnings
from typing import Any

from pydantic import ValidationError

from rapyer._codec import LOAD_CONTEXT, _safe_fields, field_adapter
from rapyer._links import RedisValue, anchor_of
from rapyer.errors import CantSerializeRedisValueError, UnmigratedSetWarning

__all__ = ["INLINE_WARNED", "apply_inline_set", "apply_set_members", "warn_inline_sets"]


def apply_set_members(model: Any, name: str, members: Any) -> None:
    """Set field ``name`` of ``model`` from the members of its SET (JSON texts).

    A member that does not validate raises CantSerializeRedisValueError, or under SafeLoad
    leaves the field ``None`` and records it in ``failed_fields``.
    """
    cls = type(model)
    safe = _safe_fields(cls)
    try:
        data = [json.loads(member) for member in members or ()]
        value = field_adapter(cls, name).validate_json(json.dumps(data), context=LOAD_CONTEXT)
    except (ValueError, ValidationError) as exc:
        if safe is not None and name not in safe:
            raise CantSerializeRedisValueError(
                f"The set field {name!r} of {model.key!r} cannot be loaded: {exc}"
            ) from exc
        logging.getLogger("rapyer").warning(
            "SafeLoad: set field %r of %s at %r could not be loaded",
            name,
            cls.__name__,
            model.key,
        )
        model.failed_fields.add(name)
        value = None
    model.__dict__[name] = value
    if isinstance(value, RedisValue):
        value._rapyer_link = (anchor_of(model), name)


def apply_inline_set(model: Any, name: str, members: Any) -> None:
    """Set field ``name`` of ``model``, whose document held the field (the original 1.2.5's
    format, already decoded into ``model``), from the document's members and its SET's:
    what the migration's ``SADD`` will store. Nothing is written."""
    if not members:
        return  # the set's own key is empty: the document's members stay
    inline = model.__dict__.get(name)
    model._apply_set_members(name, members)
    value = model.__dict__.get(name)
    if inline and isinstance(value, set):
        set.update(value, inline)  # the builtin's update: local only, queues nothing


INLINE_WARNED: set[type] = set()
"""Model classes already warned about a set stored inside their documents."""


def warn_inline_sets(cls: type, paths: list[str]) -> None:
    """Warn once per class that the set fields at ``paths`` were read from inside the
    document (the original 1.2.5 format), naming the migration that moves them."""
    if cls in INLINE_WARNED:
        return
    INLINE_WARNED.add(cls)
    fields = ", ".join(repr(path) for path in paths)
    warnings.warn(
        f"{cls.__name__} has documents that store the set field(s) {fields} inside the "
        f"document, as the original rapyer 1.2.5 did. Reads add those members to the set's "
        f"own key's (nothing is written); writes to the set go to its own key. Move them with "
        f"`python -m rapyer migrate-original {cls.__module__}` (or "
        f"`rapyer.amigrate_original({cls.__name__})` / "
        f"`rapyer.migrate_original({cls.__name__})`).",
        UnmigratedSetWarning,
        stacklevel=2,
    )
