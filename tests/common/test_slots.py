"""rapyer._slots: keys of each command, the split of commands into per-slot blocks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis.exceptions import ResponseError

from rapyer import _slots
from rapyer.errors import ClusterUnsupportedError


def _two_keys_in_other_slots() -> tuple[str, str]:
    a = "A:1"
    b = next(f"B:{i}" for i in range(100) if _slots.slot_of(f"B:{i}") != _slots.slot_of(a))
    return a, b


def test_slot_of_matches_the_cluster_algorithm() -> None:
    # Values from CLUSTER KEYSLOT on a real cluster.
    assert _slots.slot_of("Player:alice") == 12484
    assert _slots.slot_of("{Player:alice}") == 12484
    assert _slots.slot_of("__rapyer_special__:{Player:alice}:tags") == 12484
    assert _slots.slot_of("{Player:alice}/edit:lock") == 12484
    assert _slots.slot_of("Player:{alice}") == 749


def test_keys_of_each_command_form() -> None:
    assert _slots.keys_of(("JSON.SET", "k", "$", "{}")) == ["k"]
    assert _slots.keys_of(("DEL", "a", "b")) == ["a", "b"]
    assert _slots.keys_of(("JSON.MGET", "a", "b", "$")) == ["a", "b"]
    assert _slots.keys_of(("EVALSHA", "sha", 2, "a", "b", "arg")) == ["a", "b"]
    assert _slots.keys_of(("COPY", "a", "b")) == ["a", "b"]
    assert _slots.keys_of(("SINTERSTORE", "d", "a", "b")) == ["d", "a", "b"]
    assert _slots.keys_of(("MULTI",)) == []


def test_one_slot_is_one_block_in_order() -> None:
    commands = [
        ("JSON.SET", "{P:1}", "$", "{}"),
        ("SADD", "__rapyer_special__:{P:1}:s", "x"),
        ("EXPIRE", "{P:1}", 10),
    ]
    plan = _slots.plan(commands)
    assert list(plan.blocks.values()) == [commands]
    replies = plan.merge({_slots.slot_of("{P:1}"): ["OK", 1, True]})
    assert replies == ["OK", 1, True]


def test_counted_commands_are_split_and_summed() -> None:
    a, b = _two_keys_in_other_slots()
    plan = _slots.plan([("DEL", a, b, a)])
    assert len(plan.blocks) == 2
    assert plan.blocks[_slots.slot_of(a)] == [("DEL", a, a)]
    assert plan.merge({_slots.slot_of(a): [1], _slots.slot_of(b): [1]}) == [2]


def test_mget_is_split_and_reassembled_in_key_order() -> None:
    a, b = _two_keys_in_other_slots()
    plan = _slots.plan([("JSON.MGET", a, b, "a2", "$")])
    by_slot = {
        slot: [[f"doc-of-{key}" for key in block[0][1:-1]]] for slot, block in plan.blocks.items()
    }
    assert plan.merge(by_slot) == [["doc-of-" + key for key in (a, b, "a2")]]


def test_an_error_reply_in_a_split_command_wins() -> None:
    a, b = _two_keys_in_other_slots()
    plan = _slots.plan([("DEL", a, b)])
    error = ResponseError("boom")
    assert plan.merge({_slots.slot_of(a): [error], _slots.slot_of(b): [1]}) == [error]


@pytest.mark.parametrize("name", ["SUNION", "COPY", "EVALSHA"])
def test_unsplittable_cross_slot_commands_raise(name: str) -> None:
    a, b = _two_keys_in_other_slots()
    command = ("EVALSHA", "sha", 2, a, b) if name == "EVALSHA" else (name, a, b)
    with pytest.raises(ClusterUnsupportedError, match="different hash slots"):
        _slots.plan([command])


def test_a_command_without_key_raises() -> None:
    with pytest.raises(ClusterUnsupportedError, match="no key"):
        _slots.plan([("PING",)])


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=30))
def test_every_command_lands_in_the_block_of_its_slot(keys: list[str]) -> None:
    commands = [("JSON.SET", key, "$", str(i)) for i, key in enumerate(keys)]
    plan = _slots.plan(commands)
    seen = sorted(i for origins in plan.origins.values() for i in origins)
    assert seen == list(range(len(keys)))
    for slot, block in plan.blocks.items():
        assert all(_slots.slot_of(command[1]) == slot for command in block)
    replies = {slot: [command[3] for command in block] for slot, block in plan.blocks.items()}
    assert plan.merge(replies) == [str(i) for i in range(len(keys))]


def test_each_primary_gets_the_smallest_tag_it_owns() -> None:
    ranges = {"a:1": (0, 5460), "b:2": (5461, 10922), "c:3": (10923, 16383)}

    def owner(slot: int) -> str:
        return next(name for name, (low, high) in ranges.items() if low <= slot <= high)

    tags = _slots.shard_tags(list(ranges), owner)
    assert list(tags) == list(ranges)
    for name, tag in tags.items():
        assert tag.startswith("{") and tag.endswith("}")
        assert owner(_slots.slot_of(tag)) == name  # the index name routes to its primary
        number = int(tag[1:-1])
        assert all(owner(_slots.slot_of("{" + str(n) + "}")) != name for n in range(number))
    assert _slots.shard_tags(list(ranges), owner) == tags  # every process picks the same
    with pytest.raises(ClusterUnsupportedError):
        _slots.shard_tags(["a:1", "d:4"], owner)  # d:4 owns no slot
