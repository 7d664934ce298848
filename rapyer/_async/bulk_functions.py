"""Module functions for bulk work across model classes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from rapyer import _bulk
from rapyer._async.bulk import delete_targets, insert_models, read_items, read_models
from rapyer._binding import binding_of
from rapyer._model import BaseRedisModel
from rapyer.errors import KeyNotFound, UnsupportedArgumentTypeError
from rapyer.results import GetOrCreateResult, RapyerDeleteResult

if TYPE_CHECKING:
    from rapyer.model import AtomicRedisModel

M = TypeVar("M", bound=BaseRedisModel)


async def ainsert(*models: M) -> list[M]:
    """Store models of any classes: one transaction per client binding, queued inside a
    pipeline. Returns the models in argument order."""
    _bulk.models_to_insert(models)
    await insert_models(models)
    return list(models)


async def afind(*redis_keys: str, skip_missing: bool = False) -> list[AtomicRedisModel]:
    """The models at full keys of any registered classes, in input order.

    Every prefix is checked before any I/O (RapyerModelDoesntExistError). A missing key
    raises KeyNotFound unless ``skip_missing``; invalid documents are skipped with a WARNING.
    """
    classes = _bulk.global_classes(redis_keys)
    if not redis_keys:
        return []
    first = classes[0]
    if classes.count(first) == len(classes):
        # One class: its own chunks, the tight load; KeyNotFound after every chunk was read.
        binding = binding_of(first)
        found: list[AtomicRedisModel] = []
        missing = None
        for chunk in _bulk.chunks(redis_keys, _bulk.batch_size_of(first)):
            models, absent = await read_models(binding, first, chunk)
            found.extend(models)
            if missing is None:
                missing = absent
        if missing is not None and not skip_missing:
            raise KeyNotFound(f"{missing} is missing in redis")
        return found
    distinct = set(classes)
    sizes = {cls: _bulk.batch_size_of(cls) for cls in distinct}
    bindings = {cls: binding_of(cls) for cls in distinct}
    groups = _bulk.by_binding(
        (bindings[cls], (index, cls, key))
        for index, (cls, key) in enumerate(zip(classes, redis_keys, strict=True))
    )
    results: list[Any] = [None] * len(redis_keys)
    for binding, group in groups.items():
        size = min(sizes[cls] for _, cls, _ in group)
        for chunk in _bulk.chunks(group, size):
            found_items = await read_items(
                binding, [key for _, _, key in chunk], [cls for _, cls, _ in chunk]
            )
            for (index, _, _), result in zip(chunk, found_items, strict=True):
                results[index] = result
    return _bulk.pick(redis_keys, results, skip_missing)


async def adelete_many(*args: Any) -> RapyerDeleteResult:
    """Delete by full keys and models of any registered classes (with their special keys).

    Counts the documents that existed, in total and per class.
    """
    targets = _bulk.global_delete_targets(args)
    return await delete_targets(targets, RapyerDeleteResult)


async def aget_or_create(model: M) -> GetOrCreateResult[M]:
    """The class method ``get_or_create`` of the model's own class."""
    if not isinstance(model, BaseRedisModel):
        raise UnsupportedArgumentTypeError(
            f"get_or_create takes a rapyer model, got {type(model).__name__}"
        )
    result: GetOrCreateResult[M] = await type(model).aget_or_create(model)
    return result
