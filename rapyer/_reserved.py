"""Field names that are also names of rapyer's API (no I/O).

Models of the original rapyer may have fields named ``count``, ``find``, ``save``, ``lock`` …
(only ``a*`` names were taken there). Class-level methods are never hidden by such a field:
``Model.find(...)`` keeps working and the field's query proxy is ``Model.field("find")``. A
field named like an instance method hides that method on instances only; rapyer warns once at
class definition, naming the method and the ``a*`` form that keeps working.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Iterator
from typing import Any

from rapyer.errors import RapyerWarning

__all__ = ["FieldNameWarning", "class_level", "quiet_shadow_warnings", "warn_hidden"]


class FieldNameWarning(RapyerWarning):
    """A field hides a blocking instance method of rapyer's API on instances."""


def _is_rapyer_class(klass: type) -> bool:
    return klass.__module__.split(".", 1)[0] == "rapyer"


def class_level(owner: type, name: str) -> Any:
    """The class-level method (classmethod or staticmethod) ``name`` of ``owner``'s bases,
    bound to ``owner``; ``None`` when a base defines ``name`` otherwise or not at all."""
    for klass in owner.__mro__[1:]:
        attr = klass.__dict__.get(name)
        if attr is None:
            continue
        if isinstance(attr, (classmethod, staticmethod)):
            return attr.__get__(None, owner)
        if type(attr).__name__ in ("LinkedField", "_LinkedField"):
            continue  # the same field on a parent model
        return None
    return None


def _api_names(bases: tuple[type, ...]) -> frozenset[str]:
    names: set[str] = set()
    for base in bases:
        for klass in base.__mro__:
            if _is_rapyer_class(klass):
                names.update(n for n in vars(klass) if not n.startswith("_"))
    return frozenset(names)


@contextlib.contextmanager
def quiet_shadow_warnings(bases: tuple[type, ...]) -> Iterator[None]:
    """Silence pydantic's generic "shadows an attribute" warning for rapyer's API names
    (``warn_hidden`` gives the specific one)."""
    names = _api_names(bases)
    if not names:
        yield
        return
    pattern = "|".join(re.escape(n) for n in sorted(names))
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message=f'Field name "({pattern})" in ".*" shadows an attribute in parent',
            category=UserWarning,
        )
        yield


def warn_hidden(cls: type, field_names: Any) -> None:
    """Warn once per field of ``cls`` (not inherited) that hides an instance method of rapyer."""
    own = getattr(cls, "__annotations__", {})
    for name in field_names:
        if name not in own or _instance_method(cls, name) is None:
            continue
        other = f"a{name}"
        if name.startswith("a") and _instance_method(cls, name[1:]) is not None:
            other = name[1:]
        warnings.warn(
            f"Field {cls.__name__}.{name} hides the method {name}() on {cls.__name__} "
            f"instances; {other}() keeps working (or rename the field)",
            FieldNameWarning,
            stacklevel=3,
        )


def _instance_method(cls: type, name: str) -> Any:
    for klass in cls.__mro__[1:]:
        attr = klass.__dict__.get(name)
        if attr is None:
            continue
        if callable(attr) and not isinstance(attr, (classmethod, staticmethod, type)):
            return attr if _is_rapyer_class(klass) else None
        return None
    return None
