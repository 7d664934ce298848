"""Loading the hits of an expression query (``_search.load_hits``): its fast path, the bulk
loader's tight loop (``_bulk.load_documents``), gives what the general loop gives hit by hit
(``_search._load_hit``): the same models (values, pk, stored text, fields set), the same
documents skipped with the same WARNING, the same errors."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rapyer import _bulk, _search
from rapyer._model import BaseRedisModel
from tests.common.test_bulk_loads import loadable_classes, same_structure, strategy_for
from tests.models import Account

CLASSES = [*loadable_classes(), Account]  # Account: a Key field (the pk is the stored value)


def _general(cls: type[BaseRedisModel], keys: list[Any], docs: list[Any]) -> list[Any]:
    """The general loop of ``load_hits``, hit by hit."""
    models = []
    for key, doc in zip(keys, docs, strict=True):
        if doc is None:
            continue
        model = _search._load_hit(cls, key, doc)
        if model is not _bulk.SKIPPED:
            models.append(model)
    return models


def _outcome(load: Any, caplog: Any) -> tuple[str, Any, list[str]]:
    caplog.clear()
    try:
        result: Any = load()
        kind = "ok"
    except Exception as exc:
        result, kind = (type(exc), str(exc)), "raised"
    return kind, result, [r.getMessage() for r in caplog.records]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fast_hits_load_as_the_general_loop(
    cls: type[BaseRedisModel], data: st.DataObject, caplog: Any
) -> None:
    caplog.set_level(logging.WARNING, logger="rapyer")
    head = cls.class_key_initials() + ":"
    docs: list[Any] = []
    keys: list[Any] = []
    for i in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["valid", "valid", "gone", "invalid", "not json", "[]"]))
        if kind == "valid":
            values = data.draw(
                st.fixed_dictionaries(
                    {name: strategy_for(info.annotation) for name, info in cls.model_fields.items()}
                )
            )
            try:
                doc: Any = cls.model_validate(values).redis_dump_json()
            except ValidationError:
                assume(False)
        else:
            doc = {"gone": None, "invalid": json.dumps({"nope": 1}), "not json": "{x"}.get(
                kind, "[]"
            )
        docs.append(doc)
        keys.append(
            data.draw(st.sampled_from([f"{head}k{i}", f"{head}a:b{i}", f"{{{head}t{i}}}", None]))
        )
    fast = _outcome(lambda: _search.load_hits(cls, keys, docs), caplog)
    general = _outcome(lambda: _general(cls, keys, docs), caplog)
    assert fast[0] == general[0] and fast[2] == general[2]
    if fast[0] == "raised":
        assert fast[1] == general[1]
        return
    assert len(fast[1]) == len(general[1])
    for model, alone in zip(fast[1], general[1], strict=True):
        same_structure(model, alone)
        assert model.__pydantic_private__ == alone.__pydantic_private__
        assert model.model_fields_set == alone.model_fields_set
        assert model.key == alone.key


def test_the_fast_path_is_taken_for_plain_classes() -> None:
    assert _bulk.tight_load(Account)
