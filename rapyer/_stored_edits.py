"""Fast path of ``rapyer._changes``: the remembered stored document edited like the server.

After a direct atomic field operation (append, insert, pop, set or delete of a dict key,
increase ...) the remembered document of the root model must hold what the server now holds,
so that a later save does not write the field back. The general path
(``_changes.fields_written``) dumps the whole top-level field to JSON text, checks it and
parses it again: O(size of the field) per operation, 60% of an append to a long list.

What this saves: here the remembered document gets the same edit the server applied, from
the text the operation already sent (parsed into new objects: the remembered document never
shares a container with the model's live values) or from the plain number the server
replied: O(size of the item) per operation.

The edit is applied only where it is exact: the path exists in the remembered document with
the JSON type of the operation, dict keys are ``str`` or ``int`` (their JSON key is
``str(key)``, as pydantic writes them), and after the edit the remembered container has as
many items as the local one. Anything else answers ``False`` and the caller takes the general
path. ``tests/_async/test_stored_edits.py`` checks both paths give the same document and the
same saves (hypothesis, stateful).
"""

from __future__ import annotations

import json
from typing import Any

# An edit is a tuple whose first item names it:
#   ("set", text)                    JSON.SET of the value at the path
#   ("number", value)                the number the server replied after an increment
#   ("append", texts, local)         JSON.ARRAPPEND of the item texts
#   ("insert", position, text, local)
#   ("pop", index, local)            JSON.ARRPOP (list)
#   ("remove_range", start, end, local)
#   ("set_keys", ((key, text), ...), local)
#   ("del_key", key, local)          JSON.DEL of one key (also dict pop / popitem)
# ``local`` is the model's container after its local change; only its length is read.
Edit = tuple[Any, ...]

_ABSENT: Any = object()
_loads = json.loads


def apply(document: dict[str, Any], segments: tuple[Any, ...], edit: Edit) -> bool:
    """Apply ``edit`` at ``segments`` of the remembered ``document``; ``False`` (maybe with
    the top-level field half edited: the caller replaces it whole) when not exact."""
    holder: Any = document
    last = segments[-1]
    if len(segments) == 1:  # a top-level field: the common case
        value = document.get(last, _ABSENT)
    else:
        for segment in segments[:-1]:
            holder = _child(holder, segment)
            if holder is _ABSENT:
                return False
        value = _child(holder, last)
    if value is _ABSENT:
        return False
    kind = edit[0]
    if kind == "append" and type(value) is list:  # the most frequent edit, inlined
        for text in edit[1]:
            value.append(text[1:-1] if text[0] == '"' and "\\" not in text else _loads(text))
        return len(value) == len(edit[2])
    if kind == "set":
        holder[last] = _parse(edit[1])
        return True
    if kind == "number":
        if type(value) not in _NUMBERS or type(edit[1]) not in _NUMBERS:
            return False
        holder[last] = edit[1]
        return True
    if type(value) is list:
        return _list_edit(value, edit)
    if type(value) is dict:
        return _dict_edit(value, edit)
    return False


_NUMBERS = (int, float)


def _parse(text: str) -> Any:
    """The JSON value of ``text``; a string without escapes is its text between the quotes
    (the common item, without the JSON decoder)."""
    if text[0] == '"' and "\\" not in text:
        return text[1:-1]
    return _loads(text)


def _child(node: Any, segment: Any) -> Any:
    """``node[segment]`` for a list index or an object member, else ``_ABSENT``."""
    if type(segment) is int:
        if type(node) is list and 0 <= segment < len(node):
            return node[segment]
        return _ABSENT
    if type(node) is dict and isinstance(segment, str):
        return node.get(segment, _ABSENT)
    return _ABSENT


def _list_edit(stored: list[Any], edit: Edit) -> bool:
    kind, local = edit[0], edit[-1]
    if kind == "insert":
        stored.insert(edit[1], _parse(edit[2]))
    elif kind == "pop":
        index = edit[1]
        if len(stored) == len(local):  # nothing was popped (an empty list)
            return not stored
        if len(stored) != len(local) + 1 or not -len(stored) <= index < len(stored):
            return False
        stored.pop(index)
    elif kind == "remove_range":
        del stored[edit[1] : edit[2]]
    else:
        return False
    return len(stored) == len(local)


def _dict_edit(stored: dict[str, Any], edit: Edit) -> bool:
    kind, local = edit[0], edit[-1]
    if kind == "set_keys":
        for key, text in edit[1]:
            name = _json_key(key)
            if name is None:
                return False
            stored[name] = _parse(text)
    elif kind == "del_key":
        name = _json_key(edit[1])
        if name is None:
            return False
        stored.pop(name, None)
    else:
        return False
    return len(stored) == len(local)


def _json_key(key: Any) -> str | None:
    """The JSON member name of a dict key, when pydantic and the path agree on it."""
    kind = type(key)
    if kind is str:
        return key  # type: ignore[no-any-return]
    if kind is int:
        return str(key)
    return None
