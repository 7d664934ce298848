"""Bulk operations without I/O: argument checks, command lists and reply parsing.

Both APIs (``rapyer/_async/bulk.py`` and its generated twin) send exactly these commands.
"""

from __future__ import annotations

import gc
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticSerializationError

from rapyer import _codec, _keys, _layout, _links, _original, _registry, _ttl, cascade
from rapyer import config as _config
from rapyer._binding import Binding, binding_of
from rapyer._groups import READ_FETCH
from rapyer._model import BaseRedisModel
from rapyer._pydantic_internals import (
    is_fast_post_init,
    list_validator,
    set_private,
    shared_fields_set,
)
from rapyer._query import Expression, FieldProxy, SortKey, check_not_bare
from rapyer.actions import ActionGroup
from rapyer.errors import (
    BadDeleteActionError,
    CantSerializeRedisValueError,
    CorruptedModelError,
    KeyNotFound,
    MissingParameterError,
    NestedModelError,
    RapyerSerializationError,
    UnsupportedArgumentTypeError,
    UnsupportedArgumentValueError,
)

if TYPE_CHECKING:
    from rapyer.model import AtomicRedisModel

logger = logging.getLogger("rapyer")

Command = tuple[Any, ...]
T = TypeVar("T")

CREATE = ActionGroup.CREATE
MISSING: Any = object()  # a key that holds no document (or no JSON document)
SKIPPED: Any = object()  # a document that failed validation (logged)
_NO_PARENT: Any = object()  # a private dict without the parent entry
_BASE_VALIDATE_JSON = BaseModel.model_validate_json.__func__  # type: ignore[attr-defined]
# Documents per JSON array of ``_load_batch``: the fields-set pydantic gives each model of an
# array lives until the array's loop shares one, so a bounded array keeps bulk loads' peak memory
# and garbage-collector work as the per-document loop has them.
_ARRAY_SIZE = 100
# the slot's own setter: no lookup of the name through the class
_SET_FIELDS_SET = BaseModel.__dict__["__pydantic_fields_set__"].__set__


# ---- arguments ------------------------------------------------------------------------------


# The original's messages, kept for code and tests that match on them (the same in both APIs).
ARGUMENT_REQUIRED = "adelete_many requires at least one argument"


def check_count(name: str, value: int | None) -> None:
    """A count argument (``max_results``, ``offset``, ``batch_size``): a non-negative int."""
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise UnsupportedArgumentValueError(f"{name} must be >= 0, got {value}")


def classify(args: Sequence[Any]) -> tuple[list[str], list[Expression]]:
    """Split ``find`` arguments into keys and expressions.

    Raises UnsupportedArgumentTypeError for any other argument type and
    UnsupportedArgumentValueError when keys and expressions are mixed.
    """
    if all(
        issubclass(t, str) and not issubclass(t, (Expression, FieldProxy))
        for t in set(map(type, args))
    ):
        return list(args), []  # only keys (the usual call): no pass in Python
    keys: list[str] = []
    expressions: list[Expression] = []
    for arg in args:
        check_not_bare(arg)
        if isinstance(arg, Expression):
            expressions.append(arg)
        elif isinstance(arg, str):
            keys.append(arg)
        else:
            raise UnsupportedArgumentTypeError(
                f"Expected keys (str, RapyerKey) or query expressions, got {type(arg).__name__}"
            )
    if keys and expressions:
        raise UnsupportedArgumentValueError("Keys and expressions cannot be mixed in one call")
    return keys, expressions


def check_sort_by(sort_by: Any) -> None:
    if sort_by is not None and not isinstance(sort_by, (str, SortKey, FieldProxy)):
        raise UnsupportedArgumentValueError(f"Invalid sort_by: {sort_by!r}")


def check_top_level(model: Any, operation: str) -> None:
    if model._rapyer_parent is not None:
        raise NestedModelError(f"{operation} needs a top-level model, not a nested one")


def models_to_insert(models: Sequence[Any], cls: type | None = None) -> None:
    """Check ``insert`` arguments before anything is sent."""
    checked: type | None = None  # the last class that passed the class checks
    for model in models:
        model_cls = type(model)
        if model_cls is not checked:
            if not isinstance(model, BaseRedisModel):
                raise UnsupportedArgumentTypeError(
                    f"insert takes rapyer models, got {type(model).__name__}"
                )
            if cls is not None and not isinstance(model, cls):
                raise UnsupportedArgumentTypeError(
                    f"{cls.__name__}.insert got a {type(model).__name__}; use rapyer.insert "
                    "for models of several classes"
                )
            checked = model_cls
        private = model.__pydantic_private__
        if private is None or private.get("_rapyer_parent", _NO_PARENT) is not None:
            check_top_level(model, "insert")


def by_binding(items: Iterable[tuple[Binding, Any]]) -> dict[Binding, list[Any]]:
    """Group items per binding, in order of first appearance."""
    groups: dict[Binding, list[Any]] = {}
    for binding, item in items:
        groups.setdefault(binding, []).append(item)
    return groups


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def batch_size_of(cls: type[BaseRedisModel], batch_size: int | None = None) -> int:
    if batch_size is not None:
        check_count("batch_size", batch_size)
        if batch_size < 1:
            raise UnsupportedArgumentValueError("batch_size must be at least 1")
        return batch_size
    return int(_config.resolve(cls, "batch_size"))


# ---- insert ---------------------------------------------------------------------------------


class _TtlCache(dict):  # type: ignore[type-arg]
    """Per-class TTL decisions, resolved once per call."""

    def __init__(self, compute: Any) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, cls: type) -> Any:
        value = self[cls] = self._compute(cls)
        return value


def _has_special_keys(cls: type[BaseRedisModel]) -> bool:
    """Whether models of ``cls`` may own keys besides the main key (set or queue fields)."""
    return bool(cls.__rapyer_special_fields__ or cls.__rapyer_nested_fields__)


class _InsertClass:
    """Per-class decisions of one insert: made once per call."""

    __slots__ = (
        "close",
        "commands",
        "head",
        "own_pk",
        "special",
        "ttl",
        "tail",
        "cascade",
        "to_json",
        "exclude",
    )

    def __init__(self, cls: type[BaseRedisModel], out: dict[Binding, list[Command]]) -> None:
        binding = binding_of(cls)
        commands = out.get(binding)
        if commands is None:
            commands = out[binding] = []
        self.commands = commands
        self.head = _layout.head(cls)
        self.close = _keys.TAG_CLOSE if _layout.tagged(cls) else ""
        self.own_pk = cls.__rapyer_key_field__ is None
        self.special = _has_special_keys(cls)
        ttl, nx = _ttl.creation_ttl(cls, CREATE)
        self.ttl = ttl
        self.tail: tuple[str, ...] = ("NX",) if nx else ()
        # a refreshing insert of a class with enabled edges notes each model for its cascade
        self.cascade = ttl is not None and not nx and cascade.cascades_on_refresh(cls)
        # pydantic's serializer itself (as ``_codec.dump_json`` calls it), unless the class
        # overrides model_dump_json.
        plain = getattr(cls, "model_dump_json", None) is BaseModel.model_dump_json
        self.to_json = cls.__pydantic_serializer__.to_json if plain else None
        self.exclude = _codec.exclude_of(cls)


def insert_commands(models: Sequence[BaseRedisModel]) -> dict[Binding, list[Command]]:
    """Per binding, the commands that store ``models`` (top-level, already checked) with their
    creation TTL."""
    out: dict[Binding, list[Command]] = {}
    plans: dict[type, _InsertClass] = {}
    dump = _codec.dump_json
    suspect = _codec.suspect
    context = _codec.DUMP_CONTEXT
    last_cls: type | None = None
    plan: Any = None
    for model in models:
        cls = type(model)
        if cls is not last_cls:
            plan = plans.get(cls)
            if plan is None:
                plan = plans[cls] = _InsertClass(cls, out)
            last_cls = cls
        pk = None
        if plan.own_pk:
            private = model.__pydantic_private__
            if private is not None:
                pk = private.get("_rapyer_pk")
        key = plan.head + (pk if pk is not None else str(model.pk)) + plan.close
        if key.endswith(_keys.LOCK_SUFFIX):
            _keys.refuse_lock_key(key)
        to_json = plan.to_json
        try:
            if to_json is not None:
                try:
                    doc = to_json(
                        model, context=context, exclude=plan.exclude, by_alias=False
                    ).decode()
                    if suspect(doc):  # what checked_json tests first: one call less per model
                        _codec.checked_json(doc)
                except (PydanticSerializationError, ValueError, TypeError):
                    doc = dump(model)  # raises with rapyer's message
            else:
                doc = dump(model)
        except (PydanticSerializationError, ValueError, TypeError) as exc:
            raise RapyerSerializationError(f"{key}: cannot dump the model: {exc}") from exc
        commands = plan.commands
        commands.append(("JSON.SET", key, "$", doc))
        if plan.special:
            commands.extend(model._special_save_commands())
        ttl = plan.ttl
        if ttl is not None:
            targets = model.all_keys if plan.special else (key,)
            commands.extend(("EXPIRE", k, ttl, *plan.tail) for k in targets)
            if plan.cascade:
                cascade.note_refresh(cls, (key,))
    return out


# ---- reads by key ----------------------------------------------------------------------------


class ReadPlan:
    """One round trip that reads documents (``JSON.MGET``), their special fields and the
    TTL refresh of ``groups``.

    ``classes`` is one class for every key (the per-class decisions are made once), or a
    list with the class of each key.
    """

    __slots__ = ("keys", "classes", "commands", "special_counts")

    def __init__(
        self,
        keys: Sequence[str],
        classes: type[BaseRedisModel] | Sequence[type[BaseRedisModel]],
        groups: ActionGroup = READ_FETCH,
    ) -> None:
        self.keys = keys
        self.classes = classes
        commands: list[Command] = [("JSON.MGET", *keys, ".")]
        self.commands = commands
        if isinstance(classes, type):
            cls = classes
            sets = _set_count(cls)
            ttl = _ttl.refresh_ttl_for(cls, groups)
            self.special_counts: list[int] | None = None
            if sets:
                self.special_counts = [sets] * len(keys)
                read = cls._special_read_commands
                for key in keys:
                    commands.extend(read(key))
            if ttl is not None:
                specials = cls._class_special_keys
                for key in keys:
                    commands.append(("EXPIRE", key, ttl))
                    commands.extend(("EXPIRE", k, ttl) for k in specials(key))
                if cascade.cascades_on_refresh(cls):
                    cascade.note_refresh(cls, keys)
            return
        counts: list[int] = []
        refresh = _TtlCache(lambda cls: _ttl.refresh_ttl_for(cls, groups))
        set_count = _TtlCache(_set_count)
        expires: list[Command] = []
        for cls, key in zip(classes, keys, strict=True):
            if set_count[cls]:
                special = cls._special_read_commands(key)
                counts.append(len(special))
                commands.extend(special)
            else:
                counts.append(0)
            ttl = refresh[cls]
            if ttl is not None:
                expires.append(("EXPIRE", key, ttl))
                if cascade.cascades_on_refresh(cls):
                    cascade.note_refresh(cls, (key,))
                expires.extend(("EXPIRE", k, ttl) for k in cls._class_special_keys(key))
        commands.extend(expires)
        self.special_counts = counts if any(counts) else None

    def results(self, replies: list[Any]) -> list[Any]:
        """Per item: the model, MISSING or SKIPPED (invalid, logged). ``replies`` may hold
        error replies of the special-field reads (those items are skipped)."""
        if isinstance(replies[0], Exception):
            raise replies[0]
        return self._results(replies)

    def _results(self, replies: list[Any]) -> list[Any]:
        docs = replies[0]
        classes = self.classes
        if isinstance(classes, type):
            classes = [classes] * len(self.keys)
        counts = self.special_counts
        if counts is None:
            return [
                load_one(cls, key, raw, ())
                for cls, key, raw in zip(classes, self.keys, docs, strict=True)
            ]
        out: list[Any] = []
        pos = 1
        for cls, key, raw, count in zip(classes, self.keys, docs, counts, strict=True):
            special = replies[pos : pos + count]
            pos += count
            out.append(load_one(cls, key, raw, special))
        return out

    def models(self, replies: list[Any]) -> tuple[list[Any], str | None]:
        """The loaded models in order, and the first missing key (``None`` when none is).

        Invalid documents are skipped with a WARNING. One class without special fields
        takes a tight loop (``load_documents``).
        """
        classes = self.classes
        first = classes if isinstance(classes, type) else classes[0] if classes else None
        return collector_paused(first, len(self.keys), self._models, replies)

    def _models(self, replies: list[Any]) -> tuple[list[Any], str | None]:
        cls = self.classes
        if not isinstance(cls, type) or self.special_counts is not None or not tight_load(cls):
            results = self.results(replies)
            missing = None
            out = []
            for key, result in zip(self.keys, results, strict=True):
                if result is MISSING:
                    if missing is None:
                        missing = key
                elif result is not SKIPPED:
                    out.append(result)
            return out, missing
        return load_documents(cls, self.keys, replies[0], _load_invalid)


def collector_paused(
    cls: type[BaseRedisModel] | None, count: int, load: Callable[..., T], *args: Any
) -> T:
    """``load(*args)`` (the load of a batch of ``count`` documents of ``cls``) with Python's
    garbage collector disabled, when ``Meta.gc_pause_min_batch`` of ``cls`` is set and
    ``count`` reaches it (opt-in); else simply ``load(*args)``.

    A full collection walks every live container, so a read that holds many models pays for
    the models it already built at each one (measured on the development machine for 100,000
    documents of the benchmark's model: 8.5 µs per document with the collector, 2.7 µs with it
    paused per batch of 1,000). The pause is process-wide: other threads' garbage waits for the
    end of the batch. The collector is enabled again after the batch only when it was enabled
    before it; a collector that is off stays off.
    """
    threshold = _config.resolve(cls, "gc_pause_min_batch") if cls is not None else None
    if threshold is None or count < threshold or not gc.isenabled():
        return load(*args)
    gc.disable()
    try:
        return load(*args)
    finally:
        gc.enable()


def _load_invalid(cls: type[BaseRedisModel], key: str, raw: Any) -> Any:
    """What ``ReadPlan.models`` does with a document its tight loop could not validate."""
    return load_one(cls, key, raw, ())


def tight_load(cls: type[BaseRedisModel]) -> bool:
    """Whether documents of ``cls`` load in ``load_documents``' tight loop: pydantic's own
    ``model_validate_json`` and no position where a pickle validates (``_codec.load_model``
    does nothing more for them)."""
    return _plain_load(cls) and (cls in _original.PLAIN_CLASSES or not _original.hides_pickles(cls))


def load_documents(
    cls: type[BaseRedisModel],
    keys: Sequence[str],
    docs: Sequence[Any],
    invalid: Any,
    empty_is_missing: bool = True,
) -> tuple[list[Any], str | None]:
    """The models of the documents ``docs`` read at ``keys`` (a class of ``tight_load``), in
    order, and the first missing key: ``None`` (and ``"[]"`` with ``empty_is_missing``).

    A tight loop: validation straight from the JSON text, the pk set in place. A document
    that fails validation goes to ``invalid(cls, key, raw)``, which returns its model or
    ``SKIPPED`` (or raises).
    """
    # The pk is the text after the first ":" (``_keys.pk_of``): after the class's own
    # "prefix:" when every key starts with it (the prefix holds no ":").
    head = cls.class_key_initials() + _keys.SEPARATOR
    cut = len(head) if _keys.all_start_with(keys, head) else 0
    # (keys of the cluster layout start with "{": cut stays 0 and pk_of removes the tag)
    # one fields-set for the models with every field set (memory: see shared_fields_set)
    shared = shared_fields_set(cls)
    if cut and shared is not None and cls.__rapyer_key_field__ is None and is_fast_post_init(cls):
        return _load_own_pks(cls, keys, docs, invalid, empty_is_missing, cut, shared)
    return _load_any(cls, keys, docs, invalid, empty_is_missing, cut, shared)


def _load_own_pks(
    cls: type[BaseRedisModel],
    keys: Sequence[str],
    docs: Sequence[Any],
    invalid: Any,
    empty_is_missing: bool,
    cut: int,
    shared: set[str],
) -> tuple[list[Any], str | None]:
    """``load_documents`` of the usual read: every key of the class's own prefix, the pk after
    it, one shareable fields-set, rapyer's post-init. The steps of ``_load_any`` without its
    branches for the other cases, and the private attributes set in one step (``_bulk_context``):
    saves about 0.35 µs of the 2 µs a model costs (``tests/common/test_bulk_loads.py`` checks
    that both loops give the same models).
    """
    context = _bulk_context(cls)
    if context is _codec.BULK_LOAD_CONTEXT:
        batch = _load_batch(cls, keys, docs, cut, shared)
        if batch is not None:
            return batch, None
    validate = cls.__pydantic_validator__.validate_json
    copy = cls.__rapyer_private_defaults__.copy
    full = len(shared)
    set_attr = object.__setattr__
    models: list[Any] = []
    append = models.append
    missing = None
    for key, raw in zip(keys, docs, strict=True):
        if raw is None or (empty_is_missing and raw == "[]"):
            if missing is None:
                missing = key
            continue
        try:
            model = validate(raw, context=context)
        except ValidationError:
            model = invalid(cls, key, raw)
            if model is not SKIPPED:
                append(model)
            continue
        if len(model.__pydantic_fields_set__) == full:
            set_attr(model, "__pydantic_fields_set__", shared)
        private = model.__pydantic_private__
        if private is None:  # left to this loop by the class's post-init (BULK_LOAD_CONTEXT)
            private = copy()
            private["_rapyer_pk"] = key[cut:]
            private["_rapyer_stored"] = raw
            set_private(model, private)
        else:
            private["_rapyer_pk"] = key[cut:]
            private["_rapyer_stored"] = raw
            if "_rapyer_anchor" in private:  # a value was linked while validating
                _links.refresh_anchor(model)
        append(model)
    return models, missing


def _load_batch(
    cls: type[BaseRedisModel],
    keys: Sequence[str],
    docs: Sequence[Any],
    cut: int,
    shared: set[str],
) -> list[Any] | None:
    """``_load_own_pks`` of a batch without missing documents, for a class whose post-init does
    nothing in the bulk loop: the documents validated as one JSON array by
    ``_pydantic_internals.list_validator``, which calls no post-init, in arrays of up to
    ``_ARRAY_SIZE``. ``None`` (the caller's loop decides each document) when a document is
    missing, is not text or fails validation.

    Saves the call of the validator and of the post-init per model: 1.74 -> 1.33 µs per model
    of the benchmark (100 documents, in-process; pydantic's ``model_validate_json`` alone 1.28
    µs). ``tests/common/test_bulk_loads.py`` checks that it gives what the general loop gives.
    RedisJSON replies each document as one serialized JSON value, so an array holds one item
    per document; the count is checked as well.
    """
    validator = list_validator(cls)
    if validator is None:
        return None
    validate = validator.validate_json
    context = _codec.BULK_LOAD_CONTEXT
    copy = cls.__rapyer_private_defaults__.copy
    full = len(shared)
    set_fields = _SET_FIELDS_SET
    models: list[Any] = []
    for start in range(0, len(docs), _ARRAY_SIZE):
        texts = docs[start : start + _ARRAY_SIZE]
        # A missing document (None) fails the join, "[]" (fakeredis's missing key) fails
        # validation: both leave the batch to the loop, which tells them apart.
        try:
            chunk: list[Any] = validate("[" + ",".join(texts) + "]", context=context)
        except (ValidationError, TypeError):
            return None
        if len(chunk) != len(texts):
            return None
        for model, key, raw in zip(chunk, keys[start : start + _ARRAY_SIZE], texts, strict=True):
            if len(model.__pydantic_fields_set__) == full:
                set_fields(model, shared)
            private = copy()
            private["_rapyer_pk"] = key[cut:]
            private["_rapyer_stored"] = raw
            set_private(model, private)
        models += chunk
    return models


def _bulk_context(cls: type[BaseRedisModel]) -> dict[str, Any]:
    """The validation context of ``_load_own_pks`` for ``cls``: ``BULK_LOAD_CONTEXT`` (the
    class's post-init leaves the private attributes to the loop) unless models of other classes
    are validated inside (nested fields) or a model validator may read the model before the
    loop set them."""
    if cls.__rapyer_nested_fields__ or cls.__pydantic_decorators__.model_validators:
        return _codec.LOAD_CONTEXT
    return _codec.BULK_LOAD_CONTEXT


def _load_any(
    cls: type[BaseRedisModel],
    keys: Sequence[str],
    docs: Sequence[Any],
    invalid: Any,
    empty_is_missing: bool,
    cut: int,
    shared: set[str] | None,
) -> tuple[list[Any], str | None]:
    """``load_documents`` of any class and keys (see ``_load_own_pks`` for the usual one)."""
    validate = cls.__pydantic_validator__.validate_json
    context = _codec.LOAD_CONTEXT
    set_pk = cls.__rapyer_key_field__ is None
    keep_key = _codec.keep_key_of_document
    full = -1 if shared is None else len(shared)
    set_attr = object.__setattr__
    models: list[Any] = []
    append = models.append
    missing = None
    for key, raw in zip(keys, docs, strict=True):
        # A missing key is null on Redis; fakeredis answers "[]" for it.
        if raw is None or (empty_is_missing and raw == "[]"):
            if missing is None:
                missing = key
            continue
        try:
            model = validate(raw, context=context)
        except ValidationError:
            # Not JSON text, an invalid document, or SafeLoad: the general load decides.
            model = invalid(cls, key, raw)
            if model is not SKIPPED:
                append(model)
            continue
        if len(model.__pydantic_fields_set__) == full:
            set_attr(model, "__pydantic_fields_set__", shared)
        private = model.__pydantic_private__
        if set_pk:
            pk = key[cut:] if cut else _keys.pk_of(key)
            if private is not None:
                private["_rapyer_pk"] = pk
                if "_rapyer_anchor" in private:  # a value was linked while validating
                    _links.refresh_anchor(model)
            else:
                model._rapyer_pk = pk
        else:
            keep_key(model, key)
        # what Redis held (rapyer._changes): the text as read, parsed only by a save
        if private is not None:
            private["_rapyer_stored"] = raw
        else:
            model._rapyer_stored = raw
        append(model)
    return models, missing


def _set_count(cls: type[BaseRedisModel]) -> int:
    """How many set fields a read of ``cls`` fetches besides the document."""
    if not _has_special_keys(cls):
        return 0
    return sum(1 for _, is_set in cls._class_special_fields() if is_set)


def _plain_load(cls: type[BaseRedisModel]) -> bool:
    """Whether ``cls`` loads with pydantic's own ``model_validate_json`` (not overridden)."""
    return getattr(cls.model_validate_json, "__func__", None) is _BASE_VALIDATE_JSON


def load_one(cls: type[BaseRedisModel], key: str, raw: Any, special: Sequence[Any]) -> Any:
    """The model from one ``JSON.MGET`` item; MISSING or SKIPPED (with a WARNING)."""
    # A missing key is null on Redis; fakeredis answers "[]" for it.
    if raw is None or raw == "[]":
        return MISSING
    try:
        model = _codec.load_model(cls, raw, key)
    except CorruptedModelError as exc:
        logger.warning(
            "Skipping the invalid %s document at %r: %s",
            cls.__name__,
            key,
            exc.errors,
        )
        return SKIPPED
    if special:
        bad = next((reply for reply in special if isinstance(reply, Exception)), None)
        if bad is not None:
            # A special (set) key of another Redis type: skipped like a corrupt document.
            logger.warning("Skipping the %s document at %r: %s", cls.__name__, key, bad)
            return SKIPPED
        try:
            model._apply_special_replies(special)  # type: ignore[arg-type]
        except CantSerializeRedisValueError as exc:
            logger.warning("Skipping the %s document at %r: %s", cls.__name__, key, exc)
            return SKIPPED
    return model


def pick(keys: Sequence[str], results: Sequence[Any], skip_missing: bool) -> list[AtomicRedisModel]:
    """The loaded models in order; the first missing key raises unless ``skip_missing``."""
    out: list[AtomicRedisModel] = []
    for key, result in zip(keys, results, strict=True):
        if result is MISSING:
            if not skip_missing:
                raise KeyNotFound(f"{key} is missing in redis")
        elif result is not SKIPPED:
            out.append(result)
    return out


_ONLY_STR = {str}


def global_classes(keys: Sequence[Any]) -> list[type[AtomicRedisModel]]:
    """The registered class of each full key, all checked before any I/O."""
    if keys:
        # fast path: every key is a ``str`` of the plain layout with the first key's prefix
        # (the usual call: keys of one class). Then every key passes ``class_for_key`` with
        # the first key's class: it starts with ``prefix:`` (a registered prefix holds no ":"
        # and no brace, so ``untag`` keeps it and the split is at that ":"), has a pk after
        # it, and is no lock key. Checked at C speed in a few passes instead of five Python
        # calls per key; tested against the general path by ``tests/common/test_bulk_keys.py``.
        first = keys[0]
        cls = _registry.class_for_key(first)  # a bad first key raises as the general path
        if type(first) is str and first[:1] != _keys.TAG_OPEN:
            head = first.partition(_keys.SEPARATOR)[0] + _keys.SEPARATOR
            if (
                set(map(type, keys)) == _ONLY_STR
                and _keys.usual_full_keys(keys, head)  # no lock key (nor a tag) among them
                and min(map(len, keys)) > len(head)
            ):
                return [cls] * len(keys)
    return list(map(_registry.class_for_key, keys))


# ---- delete ---------------------------------------------------------------------------------


class DeleteTarget:
    __slots__ = ("cls", "key", "special")

    def __init__(self, cls: type[BaseRedisModel], key: str, special: list[str]) -> None:
        self.cls = cls
        self.key = key
        self.special = special


def target_of_model(model: BaseRedisModel) -> DeleteTarget:
    if model._rapyer_parent is not None:
        raise BadDeleteActionError("A nested model cannot be deleted on its own")
    keys = model.all_keys
    return DeleteTarget(type(model), keys[0], keys[1:])


def target_of_key(cls: type[BaseRedisModel], key: str) -> DeleteTarget:
    return DeleteTarget(cls, key, cls._class_special_keys(key))


class KeysOfClass:
    """Delete targets that are all main keys of one class without special keys (the fast
    path: no object per model)."""

    __slots__ = ("cls", "keys")

    def __init__(self, cls: type[BaseRedisModel], keys: list[str]) -> None:
        self.cls = cls
        self.keys = keys


def _simple_delete_keys(
    cls: type[BaseRedisModel], args: Sequence[Any], global_keys: bool
) -> KeysOfClass | None:
    """The keys of ``args`` when they all name documents of exactly ``cls`` (which owns no
    special keys): models of ``cls`` (top-level) and keys; else ``None`` (general path).

    ``global_keys``: keys are full keys whose registered class must be ``cls``; else keys
    are full keys or bare pks of ``cls``.
    """
    if _has_special_keys(cls) or _layout.tagged(cls):
        return None
    prefix = cls.class_key_initials()
    head = prefix + _keys.SEPARATOR
    own_pk = cls.__rapyer_key_field__ is None
    if own_pk:
        # Only top-level models of ``cls`` with a pk (the usual call): one comprehension.
        try:
            fast = [
                head + private["_rapyer_pk"]  # type: ignore[index]  # TypeError: not fast
                for arg in args
                if type(arg) is cls
                and (private := arg.__pydantic_private__)["_rapyer_parent"] is None  # type: ignore[index]
            ]
        except (KeyError, TypeError):
            pass  # no private state or no pk yet: the loop below decides
        else:
            if len(fast) == len(args):
                return KeysOfClass(cls, fast)
    full_key = _keys.full_key
    keys: list[str] = []
    append = keys.append
    for arg in args:
        if type(arg) is cls:
            private = arg.__pydantic_private__
            if private is None:
                return None
            parent = private.get("_rapyer_parent", _NO_PARENT)
            if parent is not None:
                if parent is _NO_PARENT:
                    return None
                raise BadDeleteActionError("A nested model cannot be deleted on its own")
            pk = private.get("_rapyer_pk") if own_pk else None
            key = head + (pk if pk is not None else str(arg.pk))
            if key.endswith(_keys.LOCK_SUFFIX):
                _keys.refuse_lock_key(key)
            append(key)
        elif isinstance(arg, str):
            if global_keys:
                if _registry.class_for_key(arg) is not cls:
                    return None
                append(arg)
            else:
                append(full_key(prefix, arg))
        else:
            return None
    return KeysOfClass(cls, keys)


def class_delete_targets(
    cls: type[BaseRedisModel], args: Sequence[Any]
) -> list[DeleteTarget] | KeysOfClass:
    """Targets of ``Model.delete_many`` (keys and models; expressions are handled apart)."""
    if not args:
        raise UnsupportedArgumentTypeError(ARGUMENT_REQUIRED)
    simple = _simple_delete_keys(cls, args, global_keys=False)
    if simple is not None:
        return simple
    targets: list[DeleteTarget] = []
    for arg in args:
        if isinstance(arg, str):
            targets.append(target_of_key(cls, _layout.full_key(cls, arg)))
        elif isinstance(arg, BaseRedisModel) and isinstance(arg, cls):
            targets.append(target_of_model(arg))
        elif isinstance(arg, Expression):
            raise UnsupportedArgumentTypeError(
                "Cannot mix expressions with keys or model instances in adelete_many"
            )
        else:
            raise UnsupportedArgumentTypeError(f"{arg} is not a valid for adelete_many")
    return targets


def global_delete_targets(args: Sequence[Any]) -> list[DeleteTarget] | KeysOfClass:
    """Targets of the module-level ``delete_many`` (full keys and models, any class)."""
    if not args:
        raise MissingParameterError(ARGUMENT_REQUIRED)
    first = args[0]
    if isinstance(first, BaseRedisModel):
        simple = _simple_delete_keys(type(first), args, global_keys=True)
        if simple is not None:
            return simple
    elif isinstance(first, str):
        simple = _simple_delete_keys(_registry.class_for_key(first), args, True)
        if simple is not None:
            return simple
    targets: list[DeleteTarget] = []
    for arg in args:
        if isinstance(arg, str):
            cls = _registry.class_for_key(arg)
            targets.append(target_of_key(cls, arg))
        elif isinstance(arg, BaseRedisModel):
            targets.append(target_of_model(arg))
        else:
            raise UnsupportedArgumentTypeError(f"{arg} is not a valid for adelete_many")
    return targets


def delete_batches(targets: Sequence[DeleteTarget], limit: int | None) -> list[list[DeleteTarget]]:
    """Targets in batches of at most ``limit`` keys (a bigger target gets its own batch)."""
    if limit is None or limit < 1:
        return [list(targets)] if targets else []
    batches: list[list[DeleteTarget]] = []
    current: list[DeleteTarget] = []
    size = 0
    for target in targets:
        n = 1 + len(target.special)
        if current and size + n > limit:
            batches.append(current)
            current, size = [], 0
        current.append(target)
        size += n
    if current:
        batches.append(current)
    return batches


def delete_batch_commands(
    batch: Sequence[DeleteTarget],
) -> tuple[list[Command], list[type[BaseRedisModel] | None]]:
    """``DEL`` of the main keys (one per class, to count per class) and ``DEL`` of the special
    keys; with the class each reply counts (``None`` for the special keys)."""
    mains: dict[type[BaseRedisModel], list[str]] = {}
    special: list[str] = []
    for target in batch:
        mains.setdefault(target.cls, []).append(target.key)
        special.extend(target.special)
    commands: list[Command] = [("DEL", *keys) for keys in mains.values()]
    owners: list[type[BaseRedisModel] | None] = list(mains)
    if special:
        commands.append(("DEL", *special))
        owners.append(None)
    return commands, owners


def all_delete_keys(targets: Sequence[DeleteTarget]) -> list[str]:
    keys: list[str] = []
    for target in targets:
        keys.append(target.key)
        keys.extend(target.special)
    return keys


# ---- duplicate ------------------------------------------------------------------------------


def duplicate_plan(model: BaseRedisModel, num: int) -> tuple[list[str], list[Command], int]:
    """``(new keys, commands, index of the JSON.GET reply)`` for ``duplicate_many``."""
    check_top_level(model, "duplicate")
    if not isinstance(num, int) or num < 0:
        raise UnsupportedArgumentValueError(f"num must be a non-negative int (got {num!r})")
    cls = type(model)
    if cls.__rapyer_key_field__ is not None:
        raise UnsupportedArgumentValueError(
            f"{cls.__name__} has a Key field: a copy would get the same key"
        )
    key = model.key
    paths = list(model._special_paths())
    # A copy is a new key with the source's TTL (COPY keeps it): it gets the full TTL, or
    # none at all when the model has no TTL.
    ttl, _ = _ttl.creation_ttl(cls, CREATE)
    new_keys: list[str] = []
    commands: list[Command] = []
    for _ in range(num):
        new_key = _layout.model_key(cls, str(uuid.uuid4()))
        new_keys.append(new_key)
        targets = [new_key]
        commands.append(("COPY", key, new_key))
        for path in paths:
            new_special = _keys.special_key(new_key, path)
            commands.append(("COPY", _keys.special_key(key, path), new_special))
            targets.append(new_special)
        commands.extend(_ttl.set_ttl_commands(targets, ttl))
    if ttl is not None and _ttl.refreshes(cls, CREATE) and cascade.cascades_on_refresh(cls):
        cascade.note_refresh(cls, new_keys)
    get_index = len(commands)
    commands.append(("JSON.GET", key, "."))
    commands.extend(cls._special_read_commands(key))
    return new_keys, commands, get_index


# ---- get_or_create --------------------------------------------------------------------------


def get_or_create_args(model: BaseRedisModel) -> tuple[list[str], list[Any]]:
    """KEYS and ARGV of the ``get_or_create`` script."""
    check_top_level(model, "get_or_create")
    cls = type(model)
    keys = model.all_keys
    try:
        doc = _codec.dump_json(model)
    except (PydanticSerializationError, ValueError, TypeError) as exc:
        raise RapyerSerializationError(f"{keys[0]}: cannot dump the model: {exc}") from exc
    ttl, nx = _ttl.creation_ttl(cls, CREATE)
    refresh = _ttl.refresh_ttl_for(cls, READ_FETCH) is not None
    args: list[Any] = [doc, "" if ttl is None else ttl, "NX" if nx else "", "1" if refresh else "0"]
    for commands in (model._special_save_commands(), cls._special_read_commands(keys[0])):
        args.append(len(commands))
        for command in commands:
            args.append(len(command))
            args.extend(command)
    return keys, args


def note_get_or_create(cls: type[BaseRedisModel], key: str, created: bool) -> bool:
    """Note ``key`` for its TTL cascade when the ``get_or_create`` script refreshed its TTL
    (created with a refreshing CREATE, or found with a refreshing READ); whether it did."""
    groups = CREATE if created else READ_FETCH
    if _ttl.refresh_ttl_for(cls, groups) is None or not cascade.cascades_on_refresh(cls):
        return False
    cascade.note_refresh(cls, (key,))
    return True
