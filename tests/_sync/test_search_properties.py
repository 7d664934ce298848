# GENERATED from tests/_async/test_search_properties.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Property tests of expression queries against the real server, in both APIs.

Each example inserts one random data set of ``Doc`` documents once and then checks several
random expression trees against the same predicate evaluated in Python, through the public
class methods: ``find`` (every match, far more than 10, fetched in several cursor reads),
``count``, ``iterator`` with a small batch, sorting, paging with ``offset``/``max_results``
that must visit every match exactly once, and ``delete_many``. Totals go to ``$TMPDIR/rapyer_search_property_stats_<api>.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import tempfile
from collections import Counter
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from rapyer._sync import search
from rapyer._index import TAG_WHITESPACE
from rapyer._query import Expression
from tests.models import Doc, Place

STATS: Counter[str] = Counter()
_API = __name__.split(".")[-2].strip("_")  # "async" or "sync"
_STATS_FILE = os.path.join(tempfile.gettempdir(), f"rapyer_search_property_stats_{_API}.json")

# ---- data -----------------------------------------------------------------------------------

TRICKY = [
    "",
    " ",
    "a b",
    'say "hi"',
    "it's",
    "a-b",
    "-",
    "@",
    "x@y.com",
    "first.last+tag@example.co.uk",
    "{braces}",
    "}{",
    "a|b",
    "|",
    "st*r",
    "*",
    "back\\slash",
    "\\",
    "a\\.b",
    "a.b",
    "\\-x",
    "  padded  ",
    "ünïcödé",
    "日本語",
    "emoji 🎉",
    "Case",
    "case",
    "$p0",
    "@s:{x}",
    "(paren)",
    "a,b;c",
    "~tilde",
    "100%",
]
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]

# Any text without control characters (RediSearch's TAG separator is \x1f) or surrogates.
free_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")),
    max_size=12,
)
email = st.emails().map(lambda e: e[:60])
string_value = st.one_of(st.sampled_from(TRICKY), free_text, email)
sentence = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)
when_value = st.datetimes(
    min_value=dt.datetime(1971, 1, 1),
    max_value=dt.datetime(2100, 1, 1),
    timezones=st.just(dt.timezone.utc),
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
float_value = st.one_of(
    st.integers(-1000, 1000).map(lambda i: i / 8),
    st.floats(-1e6, 1e6, allow_nan=False, width=32),
)


@st.composite
def pools(draw: Any) -> dict[str, list[Any]]:
    """Small pools of values per field, so equality queries hit many documents."""
    return {
        "s": draw(st.lists(string_value, min_size=1, max_size=6, unique=True)),
        "t": draw(st.lists(st.one_of(st.none(), sentence, string_value), min_size=1, max_size=5)),
        "n": draw(st.lists(st.integers(-20, 20), min_size=1, max_size=8)),
        "x": draw(st.lists(st.one_of(st.none(), float_value), min_size=1, max_size=5)),
        "when": draw(st.lists(st.one_of(st.none(), when_value), min_size=1, max_size=4)),
        "city": draw(st.lists(string_value, min_size=1, max_size=4)),
        "floor": draw(st.lists(st.one_of(st.none(), st.integers(-3, 30)), min_size=1, max_size=4)),
    }


def make_doc(draw: Any, pool: dict[str, list[Any]]) -> Doc:
    pick = lambda name: draw(st.sampled_from(pool[name]))  # noqa: E731
    return Doc(
        s=pick("s"),
        t=pick("t"),
        n=pick("n"),
        x=pick("x"),
        b=draw(st.booleans()),
        when=pick("when"),
        inner=Place(city=pick("city"), floor=pick("floor")),
    )


# ---- expressions and their Python meaning ---------------------------------------------------


def _tag(value: str) -> str:
    return value.strip(TAG_WHITESPACE)


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.split(r"[^\w]+", text) if w}


class Q:
    """An expression together with the Python predicate it must mean."""

    def __init__(self, expr: Expression, pred: Any, text: str):
        self.expr, self.pred, self.text = expr, pred, text

    def __repr__(self) -> str:
        return self.text


def _get(doc: Doc, path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _proxy(path: str) -> Any:
    value: Any = Doc
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _num(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # indexed datetimes load as naive UTC
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.timestamp()
    return value


@st.composite
def leaves(draw: Any, pool: dict[str, list[Any]]) -> Q:
    kind = draw(st.sampled_from(["tag", "num", "bool", "match", "missing", "prefix", "in"]))
    if kind in ("tag", "missing", "prefix", "in"):
        path, key = draw(st.sampled_from([("s", "s"), ("t", "t"), ("inner.city", "city")]))
        values = [v for v in pool[key] if v is not None] or [""]
        proxy = _proxy(path)
        if kind == "missing":
            if draw(st.booleans()):
                return Q(proxy.is_missing(), lambda d: _get(d, path) is None, f"{path} missing")
            return Q(proxy != None, lambda d: _get(d, path) is not None, f"{path} != None")  # noqa: E711
        if kind == "prefix":
            base = _tag(draw(st.sampled_from(values)))
            size = draw(st.integers(2, 4))
            prefix = base[:size]
            if len(prefix) < 2:
                prefix = "zz"
            return Q(
                proxy.startswith(prefix),
                lambda d: _get(d, path) is not None and _tag(_get(d, path)).startswith(prefix),
                f"{path} startswith {prefix!r}",
            )
        if kind == "in":
            chosen = draw(st.lists(st.sampled_from([*values, "not-there"]), max_size=3))
            wanted = {_tag(v) for v in chosen}
            return Q(
                proxy.in_(chosen),
                lambda d: _get(d, path) is not None and _tag(_get(d, path)) in wanted,
                f"{path} in {chosen!r}",
            )
        value = draw(st.sampled_from([*values, "not-there"]))
        if draw(st.booleans()):
            return Q(
                proxy == value,
                lambda d: _get(d, path) is not None and _tag(_get(d, path)) == _tag(value),
                f"{path} == {value!r}",
            )
        return Q(
            proxy != value,
            lambda d: _get(d, path) is None or _tag(_get(d, path)) != _tag(value),
            f"{path} != {value!r}",
        )
    if kind == "bool":
        value = draw(st.booleans())
        return Q(Doc.b == value, lambda d: d.b == value, f"b == {value}")
    if kind == "match":
        terms = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=2))
        wanted = {t.lower() for t in terms}
        return Q(
            Doc.t.match(" ".join(terms)),
            lambda d: d.t is not None and wanted <= _words(d.t),
            f"t match {terms!r}",
        )
    # numeric: n, x, when, inner.floor
    path, key = draw(
        st.sampled_from([("n", "n"), ("x", "x"), ("when", "when"), ("inner.floor", "floor")])
    )
    values = [v for v in pool[key] if v is not None]
    if not values:
        return Q(_proxy(path) == None, lambda d: _get(d, path) is None, f"{path} == None")  # noqa: E711
    value = draw(st.sampled_from(values))
    op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in"]))
    proxy = _proxy(path)
    if op == "in":
        chosen = draw(st.lists(st.sampled_from(values), max_size=3))
        nums = {_num(v) for v in chosen}
        return Q(
            proxy.in_(chosen),
            lambda d: _get(d, path) is not None and _num(_get(d, path)) in nums,
            f"{path} in {chosen!r}",
        )
    ops = {
        "==": (lambda p, v: p == v, lambda a, b: a == b),
        "!=": (lambda p, v: p != v, lambda a, b: a != b),
        "<": (lambda p, v: p < v, lambda a, b: a < b),
        "<=": (lambda p, v: p <= v, lambda a, b: a <= b),
        ">": (lambda p, v: p > v, lambda a, b: a > b),
        ">=": (lambda p, v: p >= v, lambda a, b: a >= b),
    }
    build, test = ops[op]
    target = _num(value)

    def pred(d: Doc) -> bool:
        got = _get(d, path)
        if got is None:
            return op == "!="
        return test(_num(got), target)

    return Q(build(proxy, value), pred, f"{path} {op} {value!r}")


@st.composite
def trees(draw: Any, pool: dict[str, list[Any]], depth: int = 0) -> Q:
    if depth >= 3 or draw(st.integers(0, 9)) < 5:
        return draw(leaves(pool))
    shape = draw(st.sampled_from(["and", "or", "not"]))
    left = draw(trees(pool, depth + 1))
    if shape == "not":
        return Q(~left.expr, lambda d: not left.pred(d), f"~({left.text})")
    right = draw(trees(pool, depth + 1))
    if shape == "and":
        return Q(
            left.expr & right.expr,
            lambda d: left.pred(d) and right.pred(d),
            f"({left.text}) & ({right.text})",
        )
    return Q(
        left.expr | right.expr,
        lambda d: left.pred(d) or right.pred(d),
        f"({left.text}) | ({right.text})",
    )


# ---- the property ---------------------------------------------------------------------------


def _store(client: Any, docs: list[Doc]) -> dict[str, Doc]:
    old = list(client.scan_iter(match="Doc:*", count=1000))
    if old:
        client.delete(*old)
    pipe = client.pipeline(transaction=False)
    by_key = {}
    for doc in docs:
        by_key[doc.key] = doc
        pipe.execute_command("JSON.SET", doc.key, "$", doc.redis_dump_json())
    pipe.execute()
    return by_key


def _same(found: Doc, saved: Doc) -> bool:
    """Equal, up to the ulp RedisJSON's float parser may lose on ``x``."""
    if (found.x is None) != (saved.x is None):
        return False
    if found.x is not None and not math.isclose(found.x, saved.x, rel_tol=1e-15, abs_tol=0):
        return False
    return found.model_dump(exclude={"x"}) == saved.model_dump(exclude={"x"})


def _log_disagreement(query: Any, got: set[str], expected: set[str], docs: dict) -> None:
    with open(_STATS_FILE.replace(".json", "_disagreements.txt"), "a") as fh:
        fh.write(f"QUERY {query!r}\n")
        for key in sorted(got ^ expected):
            side = "extra" if key in got else "missing"
            fh.write(f"  {side} {docs[key].model_dump(exclude={'inner'})!r} {docs[key].inner!r}\n")


def _save_stats() -> None:
    with open(_STATS_FILE, "w") as fh:
        json.dump(dict(STATS), fh)


@given(data=st.data())
def test_queries_agree_with_python(backend, data):
    pool = data.draw(pools(), label="pools")
    size = data.draw(st.integers(0, 120), label="size")
    docs = [make_doc(data.draw, pool) for _ in range(size)]
    by_key = _store(backend, docs)
    STATS["examples"] += 1
    STATS["documents"] += len(by_key)
    assert search.count(Doc, []) == len(by_key)

    for _ in range(data.draw(st.integers(3, 6), label="queries")):
        extra = data.draw(st.lists(trees(pool), min_size=1, max_size=2), label="query")
        expressions = [q.expr for q in extra]
        expected = {k for k, d in by_key.items() if all(q.pred(d) for q in extra)}
        found = Doc.find(*expressions)
        keys = [m.key for m in found]
        STATS["queries"] += 1
        STATS["matches"] += len(expected)
        if len(expected) > 10:
            STATS["queries_over_10"] += 1
        if set(keys) != expected or len(keys) != len(expected):
            STATS["disagreements"] += 1
            _save_stats()
            _log_disagreement(extra, set(keys), expected, by_key)
        assert len(keys) == len(set(keys)), f"duplicates for {extra!r}"
        assert set(keys) == expected, (
            f"{extra!r}: extra {set(keys) - expected}, missing {expected - set(keys)}"
        )
        for model in found:
            assert _same(model, by_key[model.key])
        assert Doc.count(*expressions) == len(expected)
        streamed = [m.key for m in Doc.iterator(*expressions, batch_size=7)]
        assert sorted(streamed) == sorted(expected)

    # Sorting and paging over one more query (or all documents).
    extra = data.draw(st.lists(trees(pool), max_size=1), label="paged query")
    expressions = [q.expr for q in extra]
    expected = {k for k, d in by_key.items() if all(q.pred(d) for q in extra)}
    descending = data.draw(st.booleans(), label="descending")
    sort_by = data.draw(
        st.sampled_from(["-n" if descending else "n", Doc.n.desc() if descending else Doc.n]),
        label="sort_by",
    )
    ordered = Doc.find(*expressions, sort_by=sort_by)
    assert {m.key for m in ordered} == expected
    values = [m.n for m in ordered]
    assert values == sorted(values, reverse=descending)
    page = data.draw(st.integers(1, 25), label="page size")
    for sort in (sort_by, None):
        seen: list[str] = []
        offset = 0
        while True:
            if expressions or sort is not None:
                chunk = Doc.find(*expressions, offset=offset, max_results=page, sort_by=sort)
            else:  # no arguments would SCAN, whose pages are not stable: use the index
                chunk = search.find(Doc, [], offset=offset, max_results=page)
            assert len(chunk) <= page
            seen.extend(m.key for m in chunk)
            offset += page
            if len(chunk) < page:
                break
        STATS["paged_queries"] += 1
        assert len(seen) == len(set(seen)), "a page repeated a document"
        assert set(seen) == expected
        if sort is not None:
            assert [by_key[k].n for k in seen] == values
    limited = Doc.find(*expressions, max_results=5)
    assert len(limited) == min(5, len(expected)) and {m.key for m in limited} <= expected
    STATS["queries"] += 1

    # Delete the matches of one more query: exactly the complement remains.
    doomed = data.draw(trees(pool), label="delete query")
    expected = {k for k, d in by_key.items() if doomed.pred(d)}
    result = Doc.delete_many(doomed.expr)
    assert result.models_deleted == len(expected)
    remaining = {m.key for m in search.find(Doc, [])}
    assert remaining == set(by_key) - expected
    STATS["delete_queries"] += 1
    _save_stats()
