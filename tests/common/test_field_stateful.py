"""Stateful property tests: random sequences of atomic field operations (the blocking
``*_now`` API and builtin mutators queued in a pipeline frame) leave Redis equal to the same
sequence applied to a plain Python value. Run against the real server and fakeredis.

The async API is covered by the randomized sequence tests in ``tests/_async``.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import rapyer
from tests.models import Stash

# Operations run per machine, reported by test_zz_report (and in the closing note).
OPS: Counter[str] = Counter()

KEYS = st.sampled_from(["a", "b.c", 'q"t', "it's", "x]y", "sp ace", "é", "[0]", "$"])
INTS = st.integers(-1000, 1000)
SMALL = st.integers(-(2**20), 2**20)
FLOATS = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)


def run_queued(model: Stash, body: Any) -> None:
    """Run ``body()`` (builtin mutators, assignments) inside a blocking pipeline."""
    with rapyer.pipeline():
        body()


class FieldMachine(RuleBasedStateMachine):
    field = ""
    initial: Any = None

    @initialize()
    def create(self) -> None:
        self.model = Stash(**{self.field: self.initial})
        self.model.save()
        self.mirror = self.plain(getattr(self.model, self.field))

    def plain(self, value: Any) -> Any:
        return value._rapyer_plain() if hasattr(value, "_rapyer_plain") else value

    @property
    def value(self) -> Any:
        return getattr(self.model, self.field)

    def count(self, op: str) -> None:
        OPS[f"{self.field}:{op}"] += 1
        OPS[f"{self.field}:total"] += 1

    def queued(self, op: str, body: Any) -> None:
        run_queued(self.model, body)
        self.count(op)

    @invariant()
    def redis_matches_python(self) -> None:
        if not hasattr(self, "model"):
            return
        fresh = Stash.get(self.model.key)
        assert self.plain(getattr(fresh, self.field)) == self.mirror
        assert self.plain(self.value) == self.mirror


# ---- list --------------------------------------------------------------------------------


class ListMachine(FieldMachine):
    field = "lst"
    initial: Any = [1, 2, 3]

    @rule(x=INTS)
    def append_now(self, x: int) -> None:
        self.value.append_now(x)
        self.mirror.append(x)
        self.count("append_now")

    @rule(xs=st.lists(INTS, max_size=4))
    def extend_now(self, xs: list[int]) -> None:
        self.value.extend_now(xs)
        self.mirror.extend(xs)
        self.count("extend_now")

    @rule(i=st.integers(-8, 8), x=INTS)
    def insert_now(self, i: int, x: int) -> None:
        self.value.insert_now(i, x)
        self.mirror.insert(i, x)
        self.count("insert_now")

    @rule(data=st.data())
    def pop_now(self, data: st.DataObject) -> None:
        if self.mirror:
            i = data.draw(st.integers(-len(self.mirror), len(self.mirror) - 1))
            assert self.value.pop_now(i) == self.mirror.pop(i)
        else:
            assert self.value.pop_now() is None
        self.count("pop_now")

    @rule(start=st.integers(-8, 8), end=st.integers(-8, 8))
    def remove_range_now(self, start: int, end: int) -> None:
        self.value.remove_range_now(start, end)
        del self.mirror[start:end]
        self.count("remove_range_now")

    @rule()
    def clear_now(self) -> None:
        self.value.clear_now()
        self.mirror.clear()
        self.count("clear_now")

    @rule(x=INTS)
    def queued_append_and_iadd(self, x: int) -> None:
        def body() -> None:
            self.value.append(x)
            self.model.lst += [x, x]

        self.queued("append/+=", body)
        self.mirror += [x, x, x]

    @precondition(lambda self: bool(getattr(self, "mirror", None)))
    @rule(data=st.data(), x=INTS)
    def queued_item_ops(self, data: st.DataObject, x: int) -> None:
        i = data.draw(st.integers(-len(self.mirror), len(self.mirror) - 1))

        def body() -> None:
            self.value[i] += x
            self.value.insert(i, x)
            del self.value[0]

        self.queued("l[i]+=/insert/del", body)
        self.mirror[i] += x
        self.mirror.insert(i, x)
        del self.mirror[0]

    @rule(start=st.integers(-8, 8), end=st.integers(-8, 8))
    def queued_remove_range_sort_reverse(self, start: int, end: int) -> None:
        def body() -> None:
            self.value.remove_range(start, end)
            self.value.sort()
            self.value.reverse()

        self.queued("remove_range/sort/reverse", body)
        del self.mirror[start:end]
        self.mirror.sort()
        self.mirror.reverse()

    @precondition(lambda self: bool(getattr(self, "mirror", None)))
    @rule()
    def queued_pop(self) -> None:
        self.queued("pop", lambda: self.value.pop())
        self.mirror.pop()


# ---- dict --------------------------------------------------------------------------------


class DictMachine(FieldMachine):
    field = "d"
    initial: Any = {"a": 1, 'q"t': 2}

    @rule(k=KEYS, v=INTS)
    def set_item_now(self, k: str, v: int) -> None:
        self.value.set_item_now(k, v)
        self.mirror[k] = v
        self.count("set_item_now")

    @rule(k=KEYS)
    def del_item_now(self, k: str) -> None:
        self.value.del_item_now(k)
        self.mirror.pop(k, None)
        self.count("del_item_now")

    @rule(m=st.dictionaries(KEYS, INTS, max_size=3), k=KEYS, v=INTS)
    def update_now(self, m: dict[str, int], k: str, v: int) -> None:
        self.value.update_now(m, **{k: v})
        self.mirror.update(m, **{k: v})
        self.count("update_now")

    @rule(k=KEYS)
    def pop_now(self, k: str) -> None:
        assert self.value.pop_now(k, "missing") == self.mirror.pop(k, "missing")
        self.count("pop_now")

    @rule()
    def popitem_now(self) -> None:
        if self.mirror:
            k, v = self.value.popitem_now()
            assert self.mirror.pop(k) == v
        else:
            with pytest.raises(KeyError):
                self.value.popitem_now()
        self.count("popitem_now")

    @rule()
    def clear_now(self) -> None:
        self.value.clear_now()
        self.mirror.clear()
        self.count("clear_now")

    @rule(data=st.data(), n=INTS)
    def increase_item_now(self, data: st.DataObject, n: int) -> None:
        if not self.mirror:
            return
        k = data.draw(st.sampled_from(sorted(self.mirror)))
        assert self.value[k].increase_now(n) == self.mirror[k] + n
        self.mirror[k] += n
        self.count("d[k].increase_now")

    @rule(k=KEYS, v=INTS, m=st.dictionaries(KEYS, INTS, max_size=2))
    def queued_set_ior_setdefault(self, k: str, v: int, m: dict[str, int]) -> None:
        def body() -> None:
            self.value[k] = v
            self.value[k] += 1
            self.model.d |= m
            self.value.setdefault(k + "!", v)

        self.queued("d[k]=/+=/|=/setdefault", body)
        self.mirror[k] = v + 1
        self.mirror |= m
        self.mirror.setdefault(k + "!", v)

    @rule(k=KEYS)
    def queued_del_pop(self, k: str) -> None:
        def body() -> None:
            if k in self.value:
                del self.value[k]
            self.value.pop(k + "!", None)
            if self.value:
                self.value.popitem()

        self.queued("del/pop/popitem", body)
        self.mirror.pop(k, None)
        self.mirror.pop(k + "!", None)
        if self.mirror:
            self.mirror.popitem()


# ---- set ---------------------------------------------------------------------------------


class SetMachine(FieldMachine):
    field = "tags"
    initial: Any = {"x"}
    MEMBERS = st.sampled_from(["x", "y", "z", '"q"', "1", "é", ""])

    @rule(v=MEMBERS)
    def add_now(self, v: str) -> None:
        self.value.add_now(v)
        self.mirror.add(v)
        self.count("add_now")

    @rule(vs=st.lists(MEMBERS, max_size=3))
    def add_many_now(self, vs: list[str]) -> None:
        self.value.add_many_now(vs)
        self.mirror.update(vs)
        self.count("add_many_now")

    @rule(v=MEMBERS)
    def remove_now(self, v: str) -> None:
        assert self.value.remove_now(v) is (v in self.mirror)
        self.mirror.discard(v)
        self.count("remove_now")

    @rule()
    def pop_now(self) -> None:
        item = self.value.pop_now()
        if self.mirror:
            self.mirror.remove(item)
        else:
            assert item is None
        self.count("pop_now")

    @rule(v=MEMBERS)
    def reads(self, v: str) -> None:
        assert self.value.contains_now(v) is (v in self.mirror)
        assert self.value.size_now() == len(self.mirror)
        assert self.value.members_now() == self.mirror
        self.count("contains/size/members")

    @rule()
    def clear_now(self) -> None:
        self.value.clear_now()
        self.mirror.clear()
        self.count("clear_now")

    @rule(a=st.sets(MEMBERS, max_size=3), b=st.sets(MEMBERS, max_size=4))
    def queued_set_algebra(self, a: set[str], b: set[str]) -> None:
        def body() -> None:
            self.model.tags |= a
            self.value.discard("x")
            self.model.tags &= b | {"y"}
            self.model.tags ^= a

        self.queued("|=/discard/&=/^=", body)
        self.mirror |= a
        self.mirror.discard("x")
        self.mirror &= b | {"y"}
        self.mirror ^= a

    @rule(a=st.sets(MEMBERS, max_size=3))
    def queued_difference_update_pop(self, a: set[str]) -> None:
        popped: list[str] = []

        def body() -> None:
            self.model.tags -= a
            if self.value:
                popped.append(self.value.pop())

        self.queued("-=/pop", body)
        self.mirror -= a
        for item in popped:
            self.mirror.remove(item)


# ---- numbers and strings --------------------------------------------------------------------


class IntMachine(FieldMachine):
    field = "n"
    initial: Any = 7

    @rule(n=SMALL)
    def increase_now(self, n: int) -> None:
        assert self.value.increase_now(n) == self.mirror + n
        self.mirror += n
        self.count("increase_now")

    @rule(n=SMALL)
    def queued_add_sub(self, n: int) -> None:
        def body() -> None:
            self.model.n += n
            self.model.n -= n // 2

        self.queued("+=/-=", body)
        self.mirror += n
        self.mirror -= n // 2

    @rule(n=st.integers(-50, 50).filter(bool), e=st.integers(0, 3))
    def queued_mul_div_mod_pow(self, n: int, e: int) -> None:
        def body() -> None:
            if abs(self.mirror * n) < 2**40:
                self.model.n *= n
            self.model.n //= n
            self.model.n %= n * 7
            if abs(self.model.n) ** e < 2**40:
                self.model.n **= e

        self.queued("*=//=/%=/**=", body)
        if abs(self.mirror * n) < 2**40:
            self.mirror *= n
        self.mirror //= n
        self.mirror %= n * 7
        if abs(self.mirror) ** e < 2**40:
            self.mirror **= e


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


class FloatMachine(FieldMachine):
    """RedisJSON parses JSON numbers without correct rounding (``JSON.SET k $ 182.43231622641906``
    stores ``182.43231622641903``), so stored floats may be an ulp off: the check is
    approximate, and after each step the mirror and the local value restart from the stored
    value, so each operation starts from the same input on both sides."""

    field = "f"
    initial: Any = 1.5

    @invariant()
    def redis_matches_python(self) -> None:
        if not hasattr(self, "model"):
            return
        stored = Stash.get(self.model.key).f
        assert close(stored, self.mirror) and close(self.value, self.mirror)
        self.mirror = float(stored)
        self.model.f = stored  # local only (no pipeline is open)

    @rule(x=FLOATS)
    def increase_now(self, x: float) -> None:
        assert close(self.value.increase_now(x), self.mirror + x)
        self.mirror += x
        self.count("increase_now")

    @rule(
        x=FLOATS.filter(lambda x: abs(x) > 1e-3),
        op=st.sampled_from(["+=", "-=", "*=", "/=", "//=", "%="]),
    )
    def queued_arithmetic(self, x: float, op: str) -> None:
        if op == "*=" and abs(self.mirror * x) > 1e200:
            return

        def body() -> None:
            value = self.model.f
            if op == "+=":
                value += x
            elif op == "-=":
                value -= x
            elif op == "*=":
                value *= x
            elif op == "/=":
                value /= x
            elif op == "//=":
                value //= x
            else:
                value %= x
            self.model.f = value

        self.queued(op, body)
        self.mirror = {
            "+=": self.mirror + x,
            "-=": self.mirror - x,
            "*=": self.mirror * x,
            "/=": self.mirror / x,
            "//=": self.mirror // x,
            "%=": self.mirror % x,
        }[op]


class StrMachine(FieldMachine):
    field = "s"
    initial: Any = 'a"b'

    @rule(t=TEXT)
    def queued_append(self, t: str) -> None:
        def body() -> None:
            self.model.s += t

        self.queued("+=", body)
        self.mirror += t

    @precondition(lambda self: len(getattr(self, "mirror", "")) < 200)
    @rule(n=st.integers(-1, 3))
    def queued_repeat(self, n: int) -> None:
        def body() -> None:
            self.model.s *= n

        self.queued("*=", body)
        self.mirror *= n

    @rule(t=TEXT)
    def save_and_load_now(self, t: str) -> None:
        self.model.s = t
        self.value.save_now()
        assert self.value.load_now() == t
        self.mirror = t
        self.count("save_now/load_now")


MACHINES = [ListMachine, DictMachine, SetMachine, IntMachine, FloatMachine, StrMachine]


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m.__name__)
def test_stateful(redis_backend, machine: type[FieldMachine]) -> None:
    run_state_machine_as_test(machine, settings=settings(settings.default, stateful_step_count=20))


def test_zz_report(capsys: pytest.CaptureFixture[str]) -> None:
    """Print the operation counts of the stateful machines (``pytest -s`` shows them).

    Runs after the machines (file order); when they ran, they must have applied operations.
    """
    totals = {k: v for k, v in sorted(OPS.items()) if k.endswith(":total")}
    if totals:
        assert all(count > 0 for count in totals.values()), totals
    with capsys.disabled():
        print("\nstateful operations run:", totals, "sum", sum(totals.values()))
