"""TTL cascade over references (no I/O): ``CascadeTTL``, ``CascadeSpec``, ``TTLCascadeMode``,
``CascadeResult``.

A reference field (``Reference[T]``/``ForeignKey[T]``, also inside ``Optional``, lists, dicts,
nested models, sets and priority queues) is an *edge*. An edge cascades when its field carries
a ``CascadeTTL`` marker (``Annotated[Reference[T], CascadeTTL()]``) or, without a marker, when
the model's ``Meta.cascade_ttl`` (usually set by ``init_rapyer(cascade_ttl=...)``) is enabled.
Setting or refreshing a model's TTL then gives each model reached ``EXPIRE key <its own
Meta.ttl> GT``: the expiry only grows, and keys without one stay persistent.

Triggers: ``set_ttl(ttl, cascade=True)``, ``refresh_ttl()`` and every refresh of a model with
an enabled edge (any operation whose action groups ``refresh_ttl`` covers). The code that
builds a refresh notes the model (``note_refresh``, decided once per class and configuration
by ``cascades_on_refresh``); the sending code runs the walk once the commands were sent, or,
inside a pipeline, after its ``EXEC``.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import typing
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field

from rapyer import _keys, _pipeline_state, _registry
from rapyer import config as _config
from rapyer._annotations import is_queue
from rapyer.errors import CascadeTargetTtlMissingError, InvalidCascadeDepthError, RapyerError

if TYPE_CHECKING:
    from rapyer._model import BaseRedisModel

__all__ = ["CascadeResult", "CascadeSpec", "CascadeTTL", "TTLCascadeMode", "edges_of"]

Root = tuple[Any, str]  # (model class, key) of a model whose TTL a cascade starts from


class TTLCascadeMode(str, enum.Enum):
    """How a cascade changes the TTL of the models it reaches."""

    EXTEND = "extend"
    """``EXPIRE child <child Meta.ttl> GT``: only grows; persistent keys stay persistent."""


@dataclasses.dataclass(frozen=True)
class CascadeTTL:
    """Opts a reference edge (as ``Annotated`` metadata) or a whole model (as
    ``Meta.cascade_ttl``) in or out of the TTL cascade.

    ``depth`` limits the hops (``None``: unbounded). A marker on a field resets the budget
    for the hops after it; edges without a marker consume the budget they were reached with.
    """

    enabled: bool = True
    depth: int | None = None
    mode: TTLCascadeMode = TTLCascadeMode.EXTEND

    def __post_init__(self) -> None:
        if self.depth is not None and (
            not isinstance(self.depth, int) or isinstance(self.depth, bool) or self.depth < 0
        ):
            raise InvalidCascadeDepthError(
                f"A cascade depth must be None or an int >= 0, got {self.depth!r}"
            )


@dataclasses.dataclass(frozen=True)
class CascadeSpec:
    """One reference edge of a model class.

    ``path`` is the JSON path of the references in the document (``$.owner``,
    ``$.items[*].ref``), or ``None`` for a set or queue field, whose members live at the
    special key of ``special`` (the dotted field path). ``targets`` are the allowed classes
    (``None``: any registered class), and ``marker`` the field's own ``CascadeTTL``.
    """

    field: str
    path: str | None
    special: str | None
    kind: str  # "json", "set" or "queue"
    targets: tuple[type, ...] | None
    marker: CascadeTTL | None


class CascadeResult(BaseModel):
    """What a cascade found besides the models it extended (keys, in the order met)."""

    dangling_children: list[str] = Field(default_factory=list)
    """References to documents that do not exist."""
    dangling_special: list[str] = Field(default_factory=list)
    """Set and queue keys of reached models that do not exist (empty or never written)."""
    mismatched_class: list[str] = Field(default_factory=list)
    """References whose prefix is not a class the edge allows (or no registered class)."""


# ---- edges of a class (no I/O) --------------------------------------------------------------


def _segment(name: str) -> str:
    return "." + name if name.isidentifier() else "[" + _json_text(name) + "]"


def _json_text(name: str) -> str:
    return json.dumps(name)


def _markers(annotation: Any) -> tuple[Any, CascadeTTL | None]:
    """The annotation without ``Annotated`` layers, and the nearest ``CascadeTTL`` in them."""
    marker: CascadeTTL | None = None
    while typing.get_origin(annotation) is Annotated:
        for meta in annotation.__metadata__:
            if isinstance(meta, CascadeTTL) and marker is None:
                marker = meta
        annotation = typing.get_args(annotation)[0]
    return annotation, marker


def _reference_targets(annotation: Any) -> tuple[type, ...] | None | bool:
    """The allowed targets when ``annotation`` is a reference type, else ``False``."""
    origin = typing.get_origin(annotation) or annotation
    if not (isinstance(origin, type) and getattr(origin, "_rapyer_is_reference", False)):
        return False
    concrete = origin._rapyer_concrete(annotation)  # type: ignore[attr-defined]
    found = concrete._rapyer_target_classes()
    return tuple(found) if found is not None else None


def _walk(
    annotation: Any,
    path: str,
    field: str,
    marker: CascadeTTL | None,
    out: list[CascadeSpec],
    depth: int,
    dotted: str | None,
) -> None:
    """Append the edges of ``annotation`` at JSON ``path``; ``dotted`` is the dotted path of
    the value from the root while no list or dict lies between (``None`` after one)."""
    annotation, own = _markers(annotation)
    marker = own or marker
    targets = _reference_targets(annotation)
    if targets is not False:
        out.append(CascadeSpec(field, path, None, "json", targets, marker))  # type: ignore[arg-type]
        return
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Union or type(annotation).__name__ == "UnionType":
        for arg in args:
            _walk(arg, path, field, marker, out, depth, dotted)
        return
    base = origin if isinstance(origin, type) else annotation
    if not isinstance(base, type) or depth > 20:
        return
    rargs = getattr(base, "_rapyer_args", None) or args
    if issubclass(base, (list, tuple)) and rargs:
        _walk(rargs[-1], path + "[*]", field, marker, out, depth + 1, None)
    elif issubclass(base, dict) and rargs:
        _walk(rargs[-1], path + ".*", field, marker, out, depth + 1, None)
    elif hasattr(base, "__rapyer_key_field__") and issubclass(base, BaseModel):
        special = set(getattr(base, "__rapyer_special_fields__", ()))
        for name, info in base.model_fields.items():
            if name in special:
                # A set or queue of a nested model held directly (also as Optional) lives at
                # its own key, named by its dotted path; held in a list or dict it has no
                # path the class knows, and is not followed.
                if dotted is not None:
                    edge = _special_edge(dotted + "." + name, _with_metadata(info), field)
                    if edge is not None:
                        out.append(edge)
                continue
            if info.exclude:
                continue
            inner = None if dotted is None else dotted + "." + name
            _walk(_with_metadata(info), path + _segment(name), field, None, out, depth + 1, inner)


def _with_metadata(info: Any) -> Any:
    if info.metadata:
        return Annotated[(info.annotation,) + tuple(info.metadata)]
    return info.annotation


def _special_edge(name: str, annotation: Any, field: str | None = None) -> CascadeSpec | None:
    """A set or queue field holding references (``name``: its dotted path from the root)."""
    annotation, marker = _markers(annotation)
    origin = typing.get_origin(annotation) or annotation
    if not isinstance(origin, type):
        return None
    kind = "queue" if is_queue(annotation) else "set"
    args = getattr(origin, "_rapyer_args", None) or typing.get_args(annotation)
    if not args:
        return None
    item, item_marker = _markers(args[-1])
    targets = _reference_targets(item)
    if targets is False:
        return None
    return CascadeSpec(field or name, None, name, kind, targets, item_marker or marker)  # type: ignore[arg-type]


def edges_of(cls: type[BaseRedisModel]) -> tuple[CascadeSpec, ...]:
    """Every reference edge of ``cls`` (cached per class)."""
    cached = cls.__dict__.get("__rapyer_cascade_edges__")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    out: list[CascadeSpec] = []
    special = set(getattr(cls, "__rapyer_special_fields__", ()))
    for name, info in cls.model_fields.items():
        annotation = _with_metadata(info)
        if name in special:
            edge = _special_edge(name, annotation)
            if edge is not None:
                out.append(edge)
            continue
        if info.exclude:
            continue
        _walk(annotation, "$" + _segment(name), name, None, out, 0, name)
    edges = tuple(out)
    type.__setattr__(cls, "__rapyer_cascade_edges__", edges)
    return edges


def enabled_marker(edge: CascadeSpec, default: CascadeTTL | None) -> CascadeTTL | None:
    """The marker that decides ``edge``: its own, else the class default; ``None`` when off."""
    marker = edge.marker if edge.marker is not None else default
    if marker is None or not marker.enabled:
        return None
    return marker


# ---- which refreshes cascade, and the models they start from (no I/O) ------------------------

QUIET: set[type] = set()
"""Classes whose refresh does not cascade: the refresh path tests ``cls not in QUIET`` (no
call) before asking ``cascades_on_refresh``. Emptied whenever the configuration changes."""

_config.on_invalidate(QUIET.clear)


def cascades_on_refresh(cls: type[BaseRedisModel]) -> bool:
    """Whether a TTL refresh of ``cls`` runs the cascade: an edge of it is enabled, by its
    own marker or by the class's ``cascade_ttl`` now. A class without one is remembered in
    ``QUIET`` until the configuration changes."""
    if cls in QUIET:
        return False
    seen = _config.generation()
    default = _config.resolve(cls, "cascade_ttl")
    default = default if isinstance(default, CascadeTTL) else None
    found = any(enabled_marker(edge, default) is not None for edge in edges_of(cls))
    if not found and seen == _config.generation():  # no change meanwhile (other threads)
        QUIET.add(cls)
    return found


# The roots noted by refreshes built in this task or thread and not sent yet (``None``: none).
# Inside a pipeline the roots go to the pipeline's frame instead and cascade after its EXEC.
_pending: ContextVar[list[Root] | None] = ContextVar("rapyer_cascade_pending", default=None)

active = False
"""Set once the first refresh was noted: until then the sending code skips every check."""


def note_refresh(cls: type[BaseRedisModel], keys: Iterable[str]) -> None:
    """Note that the commands being built refresh the TTL of the models at ``keys`` (of
    ``cls``): their cascade runs once the commands were sent (after EXEC in a pipeline)."""
    global active
    active = True
    frame = _pipeline_state.current()
    if frame is not None:
        frame.cascades.extend((cls, key) for key in keys)
        return
    pending = _pending.get()
    if pending is None:
        pending = []
        _pending.set(pending)
    pending.extend((cls, key) for key in keys)


def take_pending() -> list[Root]:
    """The roots noted since the last call (the commands that refresh them were sent)."""
    pending = _pending.get()
    if not pending:
        return []
    _pending.set(None)
    return pending


def drop_pending() -> None:
    """Forget the roots noted by commands that were not sent (the send failed)."""
    if _pending.get() is not None:
        _pending.set(None)


def check_plan(classes: Any, default_of: Any, ttl_of: Any) -> None:
    """Raise CascadeTargetTtlMissingError when a class reachable by an enabled edge from one of
    ``classes`` has no ``Meta.ttl`` (``default_of(cls)`` gives a class's ``cascade_ttl``,
    ``ttl_of(cls)`` its ttl)."""
    for cls in classes:
        default = default_of(cls)
        default = default if isinstance(default, CascadeTTL) else None
        for edge in edges_of(cls):
            if enabled_marker(edge, default) is None:
                continue
            targets = edge.targets if edge.targets is not None else tuple(_registry.models())
            for target in targets:
                if ttl_of(target) is None:
                    raise CascadeTargetTtlMissingError(
                        target.__name__,
                        f"{target.__name__} is reachable by the TTL cascade of "
                        f"{cls.__name__}.{edge.field} but has no Meta.ttl",
                    )


# ---- the walk (no I/O: the commands of each level and the parsing of their replies) ---------


@dataclasses.dataclass
class _Node:
    key: str
    cls: Any
    budget: int | None  # hops left for edges without a marker (None: unbounded)


def _special_keys(cls: Any, key: str) -> list[str]:
    return [_keys.special_key(key, ".".join(path)) for path, _ in cls._class_special_fields()]


def _member_keys(replies: Any) -> list[str]:
    out: list[str] = []
    for member in replies or ():
        try:
            value = json.loads(member)
        except (TypeError, ValueError):
            continue
        if isinstance(value, str):
            out.append(value)
    return out


def _json_keys(reply: Any) -> list[str]:
    if reply is None:
        return []
    try:
        data = json.loads(reply) if isinstance(reply, (str, bytes)) else reply
    except ValueError:
        return []
    if not isinstance(data, list):
        data = [data]
    return [item for item in data if isinstance(item, str)]


class Walk:
    """The state of one cascade: the models reached, their best remaining budgets, the result.

    Each level reads, for every node: ``EXISTS`` of its key and special keys, then the
    references of each enabled edge (``JSON.GET key path``, ``SMEMBERS``, ``ZRANGE``).
    """

    MAX_NODES = 100_000  # a bound on the keys one cascade may visit

    def __init__(self, roots: Sequence[Root], resolve: Any = _config.resolve) -> None:
        self.resolve = resolve  # (cls, option name) -> value
        self.result = CascadeResult()
        self.best: dict[str, int | None] = {}
        self.frontier: list[_Node] = []
        for cls, key in roots:
            if key in self.best:
                continue  # a model refreshed twice by one operation is walked once
            default = resolve(cls, "cascade_ttl")
            budget = default.depth if isinstance(default, CascadeTTL) else None
            self.best[key] = budget
            self.frontier.append(_Node(key, cls, budget))
        self.roots = frozenset(self.best)  # their TTL was set by the operation itself
        self.expire: dict[str, tuple[Any, list[str]]] = {}  # key -> (class, its keys)
        self.root_key = roots[0][1] if roots else ""
        self.first = True
        self._next: list[_Node] = []

    def level_commands(self) -> list[tuple[_Node, list[tuple[Any, ...]], list[Any]]]:
        """Per node of the frontier: its read commands and the edges they answer."""
        plans = []
        for node in self.frontier:
            commands: list[tuple[Any, ...]] = []
            if not self.first:
                commands.append(("EXISTS", node.key))
                commands.extend(("EXISTS", k) for k in _special_keys(node.cls, node.key))
            edges = self._enabled_edges(node)
            for edge, _ in edges:
                if edge.kind == "json":
                    commands.append(("JSON.GET", node.key, edge.path))
                elif edge.kind == "set":
                    commands.append(("SMEMBERS", _special_key_of(node.key, edge)))
                else:
                    commands.append(("ZRANGE", _special_key_of(node.key, edge), 0, -1))
            plans.append((node, commands, edges))
        return plans

    def _enabled_edges(self, node: _Node) -> list[tuple[CascadeSpec, CascadeTTL]]:
        default = self.resolve(node.cls, "cascade_ttl")
        default = default if isinstance(default, CascadeTTL) else None
        out = []
        for edge in edges_of(node.cls):
            marker = enabled_marker(edge, default)
            if marker is None:
                continue
            if edge.marker is None and node.budget is not None and node.budget < 1:
                continue  # edges without a marker consume the budget
            if edge.marker is not None and marker.depth is not None and marker.depth < 1:
                continue
            out.append((edge, marker))
        return out

    def take_replies(
        self, plans: list[tuple[_Node, list[tuple[Any, ...]], list[Any]]], replies: list[Any]
    ) -> None:
        """Record what some nodes of this level read (``replies`` in the order of their
        commands) and collect the next level."""
        position = 0
        nxt = self._next
        for node, commands, edges in plans:
            answers = replies[position : position + len(commands)]
            position += len(commands)
            if not self.first:
                specials = _special_keys(node.cls, node.key)
                exists = answers[: 1 + len(specials)]
                answers = answers[1 + len(specials) :]
                if not exists or not int(exists[0]):
                    self.result.dangling_children.append(node.key)
                    continue
                present = [node.key]
                for key, found in zip(specials, exists[1:], strict=True):
                    if int(found):
                        present.append(key)
                    else:
                        self.result.dangling_special.append(key)
                self.expire[node.key] = (node.cls, present)
            for (edge, marker), answer in zip(edges, answers, strict=True):
                keys = _json_keys(answer) if edge.kind == "json" else _member_keys(answer)
                if edge.kind == "queue" and answer and not isinstance(answer, list):
                    keys = []
                for child in keys:
                    try:
                        child_cls = _registry.class_for_key(child)
                    except Exception:
                        self.result.mismatched_class.append(child)
                        continue
                    if edge.targets is not None and not any(
                        issubclass(child_cls, t) for t in edge.targets
                    ):
                        self.result.mismatched_class.append(child)
                        continue
                    if edge.marker is not None:
                        budget = None if marker.depth is None else marker.depth - 1
                    else:
                        budget = None if node.budget is None else node.budget - 1
                    if not self._better(child, budget):
                        continue
                    self.best[child] = budget
                    nxt.append(_Node(child, child_cls, budget))
        if len(self.best) > self.MAX_NODES:
            raise RapyerError(f"The TTL cascade from {self.root_key!r} reached too many keys")

    def next_level(self) -> None:
        """Move on to the models the level just read refers to."""
        self.frontier, self._next = self._next, []
        self.first = False

    def _better(self, key: str, budget: int | None) -> bool:
        if key in self.roots:
            return False  # a cycle back to a root: its TTL is the one the operation set
        if key not in self.best:
            return True
        old = self.best[key]
        if old is None:
            return False
        return budget is None or budget > old

    def expire_commands(self) -> list[tuple[Any, list[tuple[Any, ...]]]]:
        """Per model reached: its class and ``EXPIRE key <class Meta.ttl> GT`` for its keys."""
        out: list[tuple[Any, list[tuple[Any, ...]]]] = []
        for cls, keys in self.expire.values():
            ttl = self.resolve(cls, "ttl")
            if ttl is None:
                raise CascadeTargetTtlMissingError(cls.__name__)
            out.append((cls, [("EXPIRE", key, ttl, "GT") for key in keys]))
        return out


def _special_key_of(key: str, edge: CascadeSpec) -> str:
    return _keys.special_key(key, edge.special or edge.field)
