"""Decoding of a set field from the members of its Redis SET (no I/O)."""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import ValidationError

from rapyer._codec import LOAD_CONTEXT, _safe_fields, field_adapter
from rapyer._links import RedisValue, anchor_of
from rapyer.errors import CantSerializeRedisValueError

__all__ = ["apply_set_members"]


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
