"""Links from Redis field values to their model, and queueing of builtin mutators (no I/O).

Every Redis value (``RedisInt``, ``RedisList`` ...) may carry ``_rapyer_link = (weak
reference to its parent, segment)``: its parent is the model or the Redis container holding
it, the segment a field name, a list index or a ``DictKey``. The reference is weak so that a
model and its values form no reference cycle: a dropped model is freed at once (bounded memory
when streaming many models).

The weak reference is an *anchor* (``ModelAnchor`` for a model, ``ContainerAnchor`` for a
container): a small weak reference that also remembers where its holder is stored (the class
and pk of a root model; the parent's anchor and the path of a nested model; the link of a
container), made once per holder when a value is first linked to it. A value holds its anchor
strongly, so a value whose model is gone still reaches its place in Redis
(``stored_place``): ``User.get(key).age.increase_now(1)`` works on a temporary model, while
the model itself is freed as before (anchors never hold a model).

Model fields that can hold a Redis value are linked on first read (a ``LinkedField`` class
attribute, see ``rapyer._lazy_links``), so loading a model creates no link; top-level ``int``,
``float`` and ``str`` fields, and lists and dicts of such items, even stay plain builtins until
read (``PlainOnLoad``). Fields are
also linked when assigned or merged from another model; container items are linked when read
through ``[]``. The path from the root is computed on use, so it follows the current position
of containers.
"""

from __future__ import annotations

import copy
import typing
import weakref
from collections.abc import Iterable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from rapyer import _pipeline_state
from rapyer._binding import binding_of
from rapyer.errors import StaleItemError

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel
    from rapyer._paths import PathSegment

Command = tuple[Any, ...]


class LinkedModel:
    """Mark of ``BaseRedisModel`` (a base class of it): the layers below the model recognise
    a model class or instance by it without importing the model module."""

    __slots__ = ()


class RedisValue:
    """Mixin of every Redis field type: the link to the holder of the value."""

    _rapyer_link: tuple[weakref.ref[Any], Any] | None = None
    # A scalar item of a list: the list's shift count when it was linked (``None``: not checked).
    _rapyer_seen: int | None = None

    def __reduce__(self) -> Any:
        # Copies and pickles keep the value, never the link (which would drag the model along).
        # A parametrised container class is pickled as its alias (``RedisList[RedisInt]``).
        return (_rebuild, (type(self)._rapyer_pickle_source(), self._rapyer_plain()))

    @classmethod
    def _rapyer_pickle_source(cls) -> Any:
        return cls

    def __copy__(self) -> Any:
        return _rebuild(type(self), self._rapyer_plain())

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return _rebuild(type(self), copy.deepcopy(self._rapyer_plain(), memo))

    def _rapyer_plain(self) -> Any:
        """A plain builtin copy of the value."""
        raise NotImplementedError

    @classmethod
    def _rapyer_from_plain(cls, plain: Any) -> Any:
        return cls(plain)  # type: ignore[call-arg]


def _rebuild(source: Any, plain: Any) -> Any:
    if not isinstance(source, type):  # a generic alias: its concrete class
        source = typing.get_origin(source)._rapyer_concrete(source)
    return source._rapyer_from_plain(plain)


class ModelAnchor(weakref.ref):  # type: ignore[type-arg]
    """A weak reference to a model that remembers where the model is stored: ``cls`` and,
    for a root model, ``pk`` (``None`` while it has none); for a nested model ``up`` (the
    parent's anchor) and ``rel`` (the path below the parent). Never the model itself.

    Kept in the model's private dict (``_rapyer_anchor``) and refreshed when the model's pk or
    place changes (``refresh_anchor``); copies and pickles of a model drop it.
    """

    __slots__ = ("cls", "pk", "rel", "up")

    cls: Any
    pk: Any
    rel: tuple[Any, ...]
    up: ModelAnchor | None

    def __reduce__(self) -> Any:
        return (_no_anchor, ())

    def __copy__(self) -> None:
        return None

    def __deepcopy__(self, memo: Any) -> None:
        return None


class ContainerAnchor(weakref.ref):  # type: ignore[type-arg]
    """A weak reference to a Redis container that keeps the container's own link (where the
    container was when its items were linked)."""

    __slots__ = ("link",)

    link: tuple[Any, Any] | None


def _no_anchor() -> None:
    return None


def anchor_of(model: Any) -> Any:
    """The anchor of ``model`` (made on first use): the weak reference its values link to."""
    private = getattr(model, "__pydantic_private__", None)  # unset while a copy is built
    if private is None:
        return weakref.ref(model)
    anchor = private.get("_rapyer_anchor")
    if anchor is not None and anchor() is model:
        return anchor
    anchor = ModelAnchor(model)
    private["_rapyer_anchor"] = anchor
    _fill(anchor, model, private)
    return anchor


def _fill(anchor: ModelAnchor, model: Any, private: dict[str, Any]) -> None:
    anchor.cls = type(model)
    parent = private.get("_rapyer_parent")
    if parent is None:
        anchor.up = None
        anchor.rel = ()
        key_field = model.__rapyer_key_field__
        # the stored value (a read through the field would link it, to this anchor)
        pk = model.__dict__.get(key_field) if key_field is not None else private.get("_rapyer_pk")
        anchor.pk = pk
    else:
        up = anchor_of(parent)
        # A parent still being copied has no anchor yet: placed again when it links its fields.
        anchor.up = up if isinstance(up, ModelAnchor) else None
        anchor.rel = private.get("_rapyer_path", ())
        anchor.pk = None


def refresh_anchor(model: Any) -> None:
    """After ``model``'s pk, parent or path changed: its anchor (if any) follows."""
    private: Any = getattr(model, "__pydantic_private__", None)
    anchor = private.get("_rapyer_anchor") if private is not None else None
    if anchor is not None and anchor() is model:
        _fill(anchor, model, private)


def container_anchor(container: Any) -> Any:
    """The anchor items of ``container`` link to (one per link of the container)."""
    values = getattr(container, "__dict__", None)
    if values is None:
        return weakref.ref(container)
    own = values.get("_rapyer_link")
    anchor = values.get("_rapyer_anchor")
    if anchor is not None and anchor.link is own:
        return anchor
    anchor = ContainerAnchor(container)
    anchor.link = own
    values["_rapyer_anchor"] = anchor
    return anchor


def link(value: Any, parent: Any, segment: Any) -> None:
    """Attach ``value`` to ``parent`` at ``segment`` when it is a Redis value."""
    if isinstance(value, RedisValue):
        if isinstance(parent, LinkedModel):
            value._rapyer_link = (anchor_of(parent), segment)
            if value._rapyer_seen is not None:
                value._rapyer_seen = None
            return
        value._rapyer_link = (container_anchor(parent), segment)
        value._rapyer_seen = getattr(parent, "_rapyer_shifts", None)


def forget(value: Any, parent: Any) -> None:
    """``value`` was removed from the container ``parent`` (a deleted dict key): a write or
    read through it raises StaleItemError instead of recreating the entry."""
    link_ = getattr(value, "_rapyer_link", None)
    if link_ is not None and link_[0]() is parent:
        value._rapyer_seen = -1


def parent_of(value: Any) -> tuple[Any, Any] | None:
    """``(parent, segment)`` of a linked value whose parent is alive, else ``None``."""
    link_ = getattr(value, "_rapyer_link", None)
    if link_ is None:
        return None
    parent = link_[0]()
    return None if parent is None else (parent, link_[1])


def locate(value: Any) -> tuple[BaseRedisModel, tuple[PathSegment, ...]] | None:
    """``(root model, segments from the root)`` of a linked value, else ``None``."""
    model_cls: Any = LinkedModel
    if isinstance(value, model_cls):
        return value.root_model(), value._rapyer_path_from_root()
    link_ = getattr(value, "_rapyer_link", None)
    if link_ is None:
        return None
    parent = link_[0]()
    if parent is None:
        return None
    if isinstance(parent, model_cls):
        private = parent.__pydantic_private__
        if private is not None and private.get("_rapyer_parent") is None:
            return parent, (link_[1],)  # a field of a root model: the common case
        return parent.root_model(), (*parent._rapyer_path_from_root(), link_[1])
    check_seen(value, parent)
    segments: list[Any] = [link_[1]]
    node = parent
    while True:
        if isinstance(node, model_cls):
            return node.root_model(), (*node._rapyer_path_from_root(), *reversed(segments))
        found = parent_of(node)
        if found is None:
            return None
        parent, segment = found
        segments.append(segment)
        node = parent


def check_seen(value: Any, parent: Any) -> None:
    """Raise StaleItemError when ``value``, an item of the container ``parent``, was read
    before the list's items moved (its index may now hold another item) or was removed from
    the dict. Lists of scalars count their shifts instead of re-linking every item (no
    per-item work); a removed dict value is marked ``-1`` (``forget``)."""
    seen = getattr(value, "_rapyer_seen", None)
    if seen is not None and parent is not None and seen != getattr(parent, "_rapyer_shifts", seen):
        if seen == -1:
            raise StaleItemError(
                f"this {type(value).__name__} was removed from the dict (key "
                f"{value._rapyer_link[1]}): read the item from the dict again"
            )
        raise StaleItemError(
            f"this {type(value).__name__} was read from index {value._rapyer_link[1]} of a "
            "list whose items moved since (insert, pop, remove, del, sort, reverse, clear or "
            "a slice change): read the item from the list again"
        )


def holder_of(value: Any) -> tuple[Any, tuple[Any, ...]] | None:
    """``(nearest model holding value, segments from that model)`` of a linked container,
    else ``None``. Models placed below it relative to that model follow it when it moves
    (an item of a list of models shifted by an insert)."""
    segments: list[Any] = []
    node = value
    while True:
        found = parent_of(node)
        if found is None:
            return None
        parent, segment = found
        segments.append(segment)
        if isinstance(parent, LinkedModel):
            return parent, tuple(reversed(segments))
        node = parent


class StoredPlace(typing.NamedTuple):
    """Where a value is stored: the root model (``None`` when it is gone), its class and pk,
    the segments from the root, and the class of the model holding the value directly (``None``
    when a container holds it)."""

    root: Any
    cls: Any
    pk: Any
    segments: tuple[Any, ...]
    holder_cls: Any


def stored_place(value: Any) -> StoredPlace | None:
    """Where ``value`` is stored, also when the models (or containers) holding it are gone,
    from the anchors it links through; ``None`` when it is not linked, or its root model had
    no pk yet. ``locate`` is the fast path for a value whose holders are all alive."""
    link_ = getattr(value, "_rapyer_link", None)
    if link_ is None:
        return None
    ref, segment = link_
    holder_cls = getattr(ref, "cls", None) if isinstance(ref, ModelAnchor) else None
    reversed_segments = [segment]
    check_seen(value, ref())
    while True:
        holder: Any = ref()
        if isinstance(holder, LinkedModel):  # alive: the path from its root, as locate does
            model: Any = holder
            root = model.root_model()
            segments = (*model._rapyer_path_from_root(), *reversed(reversed_segments))
            return StoredPlace(root, type(root), root.pk, segments, holder_cls)
        if holder is not None:  # a container still alive: its link now
            link_ = getattr(holder, "_rapyer_link", None)
        elif isinstance(ref, ModelAnchor):
            return _anchored_place(ref, reversed_segments, holder_cls)
        elif isinstance(ref, ContainerAnchor):  # gone: its link when its items were linked
            link_ = ref.link
        else:
            return None
        if link_ is None:
            return None
        ref, segment = link_
        reversed_segments.append(segment)


def _anchored_place(
    anchor: ModelAnchor, reversed_segments: list[Any], holder_cls: Any
) -> StoredPlace | None:
    """The place below the model of ``anchor`` that is gone, walking up its parents."""
    while anchor.up is not None:
        reversed_segments.extend(reversed(anchor.rel))
        anchor = anchor.up
        model = anchor()
        if model is not None:
            root = model.root_model()
            segments = (*model._rapyer_path_from_root(), *reversed(reversed_segments))
            return StoredPlace(root, type(root), root.pk, segments, holder_cls)
    if anchor.pk is None:
        return None
    return StoredPlace(None, anchor.cls, anchor.pk, tuple(reversed(reversed_segments)), holder_cls)


# ---- in-place operators: the queued command replaces the assignment that follows ----------

# (id of the holder, segment, id of the new value) of an in-place operator that already queued
# its atomic command: the assignment Python performs next must not queue a JSON.SET too.
_pending: ContextVar[tuple[int, Any, int] | None] = ContextVar("rapyer_pending", default=None)


def mark_pending(value: Any, new_value: Any) -> None:
    """``value``'s in-place operator queued its command; ``new_value`` is assigned next."""
    found = parent_of(value)
    if found is not None:
        parent, segment = found
        _pending.set((id(parent), segment, id(new_value)))


def consume_pending(holder: Any, segment: Any, value: Any) -> bool:
    """Whether the assignment ``holder[segment] = value`` was already queued."""
    pending = _pending.get()
    if pending is None:
        return False
    _pending.set(None)
    if pending == (id(holder), segment, id(value)):
        return True
    # A model whose values were merged from a fresh instance (the model form of a pipeline,
    # a lock) holds values linked to that instance: the operator ran on the same field.
    old = getattr(holder, "__dict__", {}).get(segment) if isinstance(segment, str) else None
    found = parent_of(old)
    return found is not None and pending == (id(found[0]), segment, id(value))


def pipeline_active() -> bool:
    """Whether writes are queued now: a pipeline is open and not in ``local_assignments()``."""
    return _pipeline_state.current() is not None and not _pipeline_state.local_only()


def queue_for(cls: type[BaseRedisModel], commands: Iterable[Command]) -> bool:
    """Queue ``commands`` of a document of ``cls`` into the open pipeline, if any."""
    frame = _pipeline_state.current()
    if frame is None or _pipeline_state.local_only():
        return False
    frame.queue(binding_of(cls), list(commands))
    return True
