"""``Meta.gc_pause_min_batch`` (``_bulk.collector_paused``): bulk loads of at least that many
documents run with Python's garbage collector disabled, and leave it as they found it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from pydantic import ValidationError, field_validator

from rapyer import AtomicRedisModel, RedisConfig, _bulk, _search
from rapyer import config as _config

SEEN: list[bool] = []  # whether the collector was enabled when each document was validated


class Paused(AtomicRedisModel):
    Meta = RedisConfig(gc_pause_min_batch=2)

    name: str = ""

    @field_validator("name")
    @classmethod
    def _seen(cls, value: str) -> str:
        SEEN.append(gc.isenabled())
        if value == "boom":
            raise RuntimeError("a validator that fails")
        return value


class NeverPaused(Paused):
    Meta = RedisConfig(gc_pause_min_batch=None)


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    SEEN.clear()
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def _read(cls: type[Paused], names: list[str]) -> list[Paused]:
    keys = [f"{cls.class_key_initials()}:k{i}" for i in range(len(names))]
    plan = _bulk.ReadPlan(keys, cls)
    models, missing = plan.models([[f'{{"name": "{name}"}}' for name in names]])
    assert missing is None
    return models


def test_a_batch_at_the_threshold_loads_with_the_collector_paused() -> None:
    models = _read(Paused, ["a", "b", "c"])
    assert [m.name for m in models] == ["a", "b", "c"]
    assert SEEN == [False, False, False]
    assert gc.isenabled()


def test_a_smaller_batch_or_no_threshold_leaves_the_collector_running() -> None:
    _read(Paused, ["a"])
    _read(NeverPaused, ["a", "b", "c"])
    assert SEEN == [True, True, True, True]
    assert gc.isenabled()


def test_search_hits_follow_the_option() -> None:
    keys = [f"{Paused.class_key_initials()}:k{i}" for i in range(2)]
    models = _search.load_hits(Paused, keys, ['{"name": "a"}', '{"name": "b"}'])
    assert [m.name for m in models] == ["a", "b"]
    assert SEEN == [False, False]
    assert gc.isenabled()


def test_the_collector_is_enabled_again_when_the_load_fails() -> None:
    with pytest.raises(RuntimeError, match="a validator that fails"):
        _read(Paused, ["a", "boom"])
    assert SEEN[0] is False
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        _read(Paused, ["a", "b"])
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("value", [0, -1])
def test_the_option_refuses_a_batch_below_one(value: int) -> None:
    with pytest.raises(ValidationError, match="gc_pause_min_batch must be at least 1"):
        RedisConfig(gc_pause_min_batch=value)
    with pytest.raises(ValidationError, match="gc_pause_min_batch must be at least 1"):
        _config.set_init_defaults({"gc_pause_min_batch": value})
    assert _config.init_default("gc_pause_min_batch") is None
