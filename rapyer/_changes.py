"""What Redis held for a model, and the save that writes only what changed (no I/O).

Every root model that was loaded or saved keeps in its private ``_rapyer_stored`` what Redis
held for it then: the JSON text as read (kept as it came, parsed only when a save needs it),
or after a change the parsed document (a dict of field name -> JSON value). A save compares
the model's JSON dump with it field by field (so in-place changes of lists, dicts and nested
models count) and writes, in one MULTI:

- ``JSON.SET key $ <whole document> NX``: a document that no longer exists is written whole;
- ``JSON.SET key $.<field> <value>`` for each field whose value differs.

Fields nobody changed here are not written, so a save never undoes a concurrent atomic
operation on another field. A model never loaded or saved is written whole.

After a direct atomic field operation the field's entry is brought up to date (the server
applied the same change), so a later save does not write it back: by the operation's own edit
where ``rapyer._stored_edits`` can apply it exactly (the fast path), else by dumping the local
value of the whole field.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from rapyer import _codec, _stored_edits
from rapyer._paths import json_path_of

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

Command = tuple[Any, ...]


def stored_document(model: BaseRedisModel) -> dict[str, Any] | None:
    """The stored document of a root model as a dict (parsed once, then kept), or ``None``."""
    private = model.__pydantic_private__
    if private is None:
        return None
    stored = private.get("_rapyer_stored")
    if stored is None or isinstance(stored, dict):
        return stored
    data: Any = stored
    if isinstance(stored, (str, bytes, bytearray)):
        try:
            data = json.loads(stored)
        except ValueError:
            data = None
    if isinstance(data, list):  # a ``$`` reply: the list of matches
        data = data[0] if data else None
    if not isinstance(data, dict):
        private["_rapyer_stored"] = None
        return None
    private["_rapyer_stored"] = data
    return data


def root_save(
    model: BaseRedisModel, key: str, text: str | None = None
) -> tuple[list[Command], str]:
    """The document commands of saving a root model, and its dumped JSON text (``text``:
    already dumped and checked by ``_codec.dump_json`` or its equal).

    Raises RapyerSerializationError (before anything is sent) for a value JSON cannot hold.
    """
    if text is None:
        text = _codec.dump_json(model)
    private = model.__pydantic_private__
    stored = private.get("_rapyer_stored") if private is not None else None
    if stored is None:
        return [("JSON.SET", key, "$", text)], text
    if isinstance(stored, str) and stored == text:  # unchanged since it was read
        return [("JSON.SET", key, "$", text, "NX")], text
    old = stored_document(model)
    if old is None:
        return [("JSON.SET", key, "$", text)], text
    new = json.loads(text)
    commands: list[Command] = [("JSON.SET", key, "$", text, "NX")]
    for name, value in new.items():
        if name not in old or not _same(old[name], value):
            commands.append(
                ("JSON.SET", key, _field_path(name), _codec.dump_field_json(model, name))
            )
    return commands, text


def _same(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value (a server may print an int as ``2.0``), but ``true``
    is not ``1`` and a string is not a number."""
    if type(a) is not type(b):
        return type(a) in _NUMBERS and type(b) in _NUMBERS and a == b
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


_NUMBERS = (int, float)


def _field_path(name: str) -> str:
    return json_path_of((name,))


def saved(model: BaseRedisModel, text: str) -> None:
    """Record that Redis now holds ``text`` for this root model (after a direct save)."""
    private = model.__pydantic_private__
    if private is not None:
        private["_rapyer_stored"] = text


def fields_written(model: BaseRedisModel, names: Any) -> None:
    """After a direct write of top-level fields ``names`` of a root model that has a stored
    document: their entries become the local values (what the server now holds)."""
    old = stored_document(model)
    if old is None:
        return
    fields = type(model).model_fields
    for name in names:
        info = fields.get(name)
        if info is None or info.exclude or name in model.__rapyer_special_fields__:
            continue
        old[name] = json.loads(_codec.dump_field_json(model, name))


def field_changed(
    root: BaseRedisModel, segments: tuple[Any, ...], edit: _stored_edits.Edit | None = None
) -> None:
    """After a direct atomic operation at ``segments`` of ``root``: the top-level field it
    changed now holds on the server what it holds locally. ``edit`` is what the operation
    did there (see ``rapyer._stored_edits``), applied to the stored document when exact."""
    private = root.__pydantic_private__
    if not segments or private is None:
        return
    stored = private.get("_rapyer_stored")
    name = segments[0]
    if stored is None or type(name) is not str or name not in type(root).__pydantic_fields__:
        return
    if name in root.__rapyer_special_fields__:
        return  # a set or queue lives in its own key, never in the remembered document
    old = stored if type(stored) is dict else stored_document(root)
    if old is None or (edit is not None and _stored_edits.apply(old, segments, edit)):
        return
    # Not exact: forget what Redis holds for the field, so the next save writes the local
    # value whole. Remembering the local value instead would hide a local change of the same
    # field made before the operation and not saved yet (a lost write).
    old.pop(name, None)


def adopt(target: BaseRedisModel, fresh: BaseRedisModel) -> None:
    """``target`` took over ``fresh``'s field values (lock, pipeline): and what Redis held."""
    private = target.__pydantic_private__
    fresh_private = fresh.__pydantic_private__
    if private is not None and fresh_private is not None and private.get("_rapyer_parent") is None:
        stored = fresh_private.get("_rapyer_stored")
        # A deep copy: the stored document of each is edited in place by its field operations.
        private["_rapyer_stored"] = copy.deepcopy(stored) if isinstance(stored, dict) else stored
