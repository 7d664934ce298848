"""The JSON-path grammar of rapyer (a leaf: no model, no I/O).

A path is a tuple of segments from the document root: a field name (``str``), a list index
(``int``) or a dict key (``DictKey``). ``json_path_of`` writes it as a RedisJSON path,
``field_path_of`` as the dotted form used in the keys of special (set and queue) fields.
"""

from __future__ import annotations

import typing

from rapyer.errors import RapyerError

__all__ = [
    "DictKey",
    "PathSegment",
    "UnaddressableKeyError",
    "field_path_of",
    "json_path_of",
    "quote_dict_key",
]


class DictKey(str):
    """A dict key as a path segment (always quoted in JSON paths)."""

    __slots__ = ()


PathSegment = typing.Union[str, int, DictKey]


class UnaddressableKeyError(RapyerError, ValueError):
    """A dict key that no JSON path can name on every server: it holds both quote
    characters or a backslash (RedisJSON does not unescape quoted path names)."""


def quote_dict_key(key: str) -> str:
    """The bracket segment of a dict key: ``["k"]``, or ``['k']`` when the key holds ``"``.

    The key is never escaped: RedisJSON keeps escapes literally, so the text must be
    quoted with the quote character it does not contain.
    """
    if "\\" not in key:
        if '"' not in key:
            return f'["{key}"]'
        if "'" not in key:
            return f"['{key}']"
    raise UnaddressableKeyError(
        f"The dict key {key!r} cannot be addressed in a JSON path (it contains both quote "
        "characters or a backslash)"
    )


def json_path_of(segments: tuple[PathSegment, ...]) -> str:
    """``$`` plus each segment: ``.name``, ``[3]`` or ``["any key"]`` (see quote_dict_key)."""
    parts = ["$"]
    for seg in segments:
        if isinstance(seg, DictKey):
            parts.append(quote_dict_key(str(seg)))
        elif isinstance(seg, int):
            parts.append(f"[{seg}]")
        else:
            parts.append(f".{seg}")
    return "".join(parts)


def field_path_of(segments: tuple[PathSegment, ...]) -> str:
    """Dotted form of a path, used in special-field keys: ``a.b[2].c``."""
    out = ""
    for seg in segments:
        if isinstance(seg, int) and not isinstance(seg, bool):
            out += f"[{seg}]"
        else:
            out += ("." if out else "") + str(seg)
    return out
