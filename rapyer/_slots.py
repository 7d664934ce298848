"""Hash slots of a Redis Cluster, without I/O.

Which keys each command rapyer sends touches, and the split of a list of commands into one
block per slot (a cluster runs a MULTI, a script or a multi-key command only when every key is
in one slot). A command over keys of several slots is split when its reply is a count
(``DEL``, ``UNLINK``, ``EXISTS``, ``TOUCH``: the parts are summed) or a list with one item per
key (``JSON.MGET``: the parts are put back in key order); any other such command raises
``ClusterUnsupportedError`` before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.crc import key_slot

from rapyer.errors import ClusterUnsupportedError

__all__ = ["SlotPlan", "keys_of", "one_slot", "plan", "shard_tags", "slot_of"]

Command = tuple[Any, ...]

# Commands whose every argument after the name is a key.
_ALL_KEYS = frozenset(
    {
        "DEL",
        "UNLINK",
        "EXISTS",
        "TOUCH",
        "WATCH",
        "SUNION",
        "SINTER",
        "SDIFF",
        "SINTERSTORE",
        "SDIFFSTORE",
        "SUNIONSTORE",
    }
)
_COUNTED = frozenset({"DEL", "UNLINK", "EXISTS", "TOUCH"})  # replies summed over the parts
_SCRIPTS = frozenset({"EVALSHA", "EVAL", "EVALSHA_RO", "EVAL_RO", "FCALL", "FCALL_RO"})
_NO_KEYS = frozenset({"MULTI", "EXEC", "DISCARD", "PING", "SCRIPT", "FT._LIST", "SCAN", "INFO"})


def slot_of(key: str) -> int:
    """The hash slot of ``key`` (its ``{tag}`` when it has one), as the cluster computes it."""
    return int(key_slot(key.encode()))


def keys_of(command: Command) -> list[str]:
    """The keys ``command`` touches (the first argument unless the command says otherwise)."""
    name = str(command[0]).upper()
    if name in _ALL_KEYS:
        return [str(key) for key in command[1:]]
    if name == "JSON.MGET":
        return [str(key) for key in command[1:-1]]
    if name in _SCRIPTS:
        count = int(command[2])
        return [str(key) for key in command[3 : 3 + count]]
    if name == "COPY":
        return [str(command[1]), str(command[2])]
    if name in _NO_KEYS or len(command) < 2:
        return []
    return [str(command[1])]


@dataclass
class SlotPlan:
    """Commands split into one block per slot, and how to put the replies back in order.

    ``blocks[slot]`` are the commands of that slot in their original order; ``origins[slot]``
    the index in the original list of each of them. A split command appears in several
    blocks under the same index; ``merge`` sums (counts) or reassembles (``JSON.MGET``) them.
    """

    size: int
    blocks: dict[int, list[Command]] = field(default_factory=dict)
    origins: dict[int, list[int]] = field(default_factory=dict)
    mget_positions: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    split: dict[int, str] = field(default_factory=dict)

    def add(self, slot: int, index: int, command: Command) -> None:
        self.blocks.setdefault(slot, []).append(command)
        self.origins.setdefault(slot, []).append(index)

    def merge(self, replies: Mapping[int, Sequence[Any]]) -> list[Any]:
        """The replies in the original order, from ``replies[slot]`` (one per block command).

        Slots missing from ``replies`` (not applied) leave ``None`` at their commands.
        """
        merged: list[Any] = [None] * self.size
        mget: dict[int, list[Any]] = {}
        for slot, block_replies in replies.items():
            for index, reply in zip(self.origins[slot], block_replies, strict=True):
                kind = self.split.get(index)
                if kind is None:
                    merged[index] = reply
                elif kind == "count":
                    if isinstance(reply, Exception):
                        merged[index] = reply
                    elif not isinstance(merged[index], Exception):
                        merged[index] = int(merged[index] or 0) + int(reply)
                else:  # JSON.MGET: put each part's items at their key positions
                    items = mget.setdefault(index, [None] * int(kind.partition(":")[2]))
                    if isinstance(reply, Exception):
                        merged[index] = reply
                        continue
                    for position, item in zip(
                        self.mget_positions[(index, slot)], reply, strict=True
                    ):
                        items[position] = item
        for index, items in mget.items():
            if not isinstance(merged[index], Exception):
                merged[index] = items
        return merged


def plan(commands: Sequence[Command]) -> SlotPlan:
    """Split ``commands`` into one block per slot, in order of first use.

    Raises ClusterUnsupportedError for a command without a key, or over keys of several slots
    that cannot be split (scripts, set algebra, ``COPY``).
    """
    result = SlotPlan(len(commands))
    for index, command in enumerate(commands):
        if str(command[0]).upper().startswith("FT."):
            raise ClusterUnsupportedError(
                f"{command[0]}: RediSearch without a coordinator sees one shard only, so "
                "rapyer does not send it in a cluster transaction; query through the "
                "model's find/count, which ask the index of every primary"
            )
        keys = keys_of(command)
        if not keys:
            raise ClusterUnsupportedError(
                f"{command[0]} has no key, so a cluster cannot place it in a transaction"
            )
        slots = [slot_of(key) for key in keys]
        first = slots[0]
        if all(slot == first for slot in slots):
            result.add(first, index, command)
            continue
        name = str(command[0]).upper()
        if name in _COUNTED:
            result.split[index] = "count"
            per_slot: dict[int, list[str]] = {}
            for key, slot in zip(keys, slots, strict=True):
                per_slot.setdefault(slot, []).append(key)
            for slot, slot_keys in per_slot.items():
                result.add(slot, index, (command[0], *slot_keys))
        elif name == "JSON.MGET":
            result.split[index] = f"mget:{len(keys)}"
            path = command[-1]
            groups: dict[int, list[int]] = {}
            for position, slot in enumerate(slots):
                groups.setdefault(slot, []).append(position)
            for slot, positions in groups.items():
                result.mget_positions[(index, slot)] = positions
                result.add(slot, index, (command[0], *(keys[p] for p in positions), path))
        else:
            raise ClusterUnsupportedError(
                f"{command[0]} over keys in different hash slots ({', '.join(keys[:4])}"
                f"{', ...' if len(keys) > 4 else ''}) cannot run on a cluster; put the keys in "
                "one slot with a shared hash tag"
            )
    return result


def one_slot(commands: Sequence[Command], what: str) -> int:
    """The one slot of every key of ``commands`` (a script, a watched transaction).

    Raises ClusterUnsupportedError when the keys are in several slots: such an operation is
    atomic only as a whole, so it cannot be split.
    """
    keys = [key for command in commands for key in keys_of(command)]
    slots = {slot_of(key) for key in keys}
    if len(slots) != 1:
        raise ClusterUnsupportedError(
            f"{what} touches keys in {len(slots)} hash slots ({', '.join(keys[:4])}"
            f"{', ...' if len(keys) > 4 else ''}); on a cluster it needs them in one slot: use "
            "Meta.cluster_keys (the default on a cluster binding) or a shared hash tag"
        )
    return slots.pop()


_MAX_TAGS = 1 << 20


def shard_tags(primaries: Sequence[str], owner_of_slot: Callable[[int], str]) -> dict[str, str]:
    """A hash tag (``"{3}"``) for each primary whose slot that primary owns: the smallest
    decimal number that hashes into one of its slots, so every process picks the same tags for
    the same topology. The indexes of a cluster are named with them (one per primary).

    Raises ClusterUnsupportedError when a primary owns no slot reachable that way.
    """
    wanted = set(primaries)
    tags: dict[str, str] = {}
    for number in range(_MAX_TAGS):
        tag = str(number)
        owner = owner_of_slot(int(key_slot(tag.encode())))
        if owner in wanted and owner not in tags:
            tags[owner] = "{" + tag + "}"
            if len(tags) == len(wanted):
                break
    missing = wanted - set(tags)
    if missing:
        raise ClusterUnsupportedError(f"no hash tag maps to a slot of {sorted(missing)}")
    return {name: tags[name] for name in primaries}
