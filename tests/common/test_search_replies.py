"""``_search.parse_cursor`` (``_text`` inlined in its per-hit loop) gives the rows of the
plain definition: every key and value of a hit's attributes decoded when it is bytes."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from rapyer import _search


def _decode(value: Any) -> Any:
    return value.decode() if isinstance(value, (bytes, bytearray)) else value


def _reference_rows(result: dict[Any, Any]) -> list[dict[str, Any]]:
    out = {_decode(k): v for k, v in result.items()}
    rows = []
    for item in out.get("results") or []:
        item = {_decode(k): v for k, v in item.items()}
        attrs = {_decode(k): v for k, v in (item.get("extra_attributes") or {}).items()}
        rows.append({k: _decode(v) for k, v in attrs.items()})
    return rows


texts = st.text(max_size=6)
atoms = st.one_of(texts, texts.map(str.encode), texts.map(lambda t: bytearray(t.encode())))
atoms = atoms | st.integers() | st.none()
names = st.sampled_from(["$", "age", "name", b"$", b"age"])
attrs = st.dictionaries(names, atoms, max_size=3)
hits = st.one_of(
    st.builds(lambda a: {"extra_attributes": a, "id": "k"}, attrs),
    st.builds(lambda a: {b"extra_attributes": a}, attrs),
)
replies = st.lists(hits, max_size=4).map(lambda rows: {"results": rows, "total_results": 1})


@given(replies, st.integers(min_value=0, max_value=9))
def test_parse_cursor_rows_are_the_plain_definition(result: dict[Any, Any], cursor: int) -> None:
    rows, cursor_id = _search.parse_cursor([result, cursor])
    assert cursor_id == cursor
    assert rows == _reference_rows(result)
    for got, want in zip(rows, _reference_rows(result), strict=True):
        assert [type(v) for v in got.values()] == [type(v) for v in want.values()]


# Replies as rapyer's decoding clients give them (str names), and what else the general parse
# reads: bytes names and values, attributes or items that are no dicts.
plain_attrs = st.fixed_dictionaries({"__key": texts, "$": atoms})
odd_attrs = st.one_of(
    st.dictionaries(st.sampled_from(["__key", "$", b"__key", b"$"]), atoms, min_size=1),
    st.none(),
    st.just(["$", "{}"]),
)
page_items = st.one_of(
    st.builds(lambda a: {"extra_attributes": a}, plain_attrs),
    st.builds(lambda a: {"extra_attributes": a}, odd_attrs),
    st.builds(lambda a: {b"extra_attributes": a}, plain_attrs),
    st.builds(lambda a: ["extra_attributes", a], plain_attrs),
)
pages = st.lists(page_items, min_size=1, max_size=4).map(lambda rows: {"results": rows})
pages = pages | pages.map(lambda page: {b"results": page["results"]}) | st.just({})


@example({"results": [{"extra_attributes": {b"$": "{}", "__key": "K:1"}}]}, 1)
@example({"results": [{"extra_attributes": {"$": b"{}", "__key": bytearray(b"K:1")}}]}, 0)
@example({"results": [{"extra_attributes": None}]}, 0)
@example({"results": [["extra_attributes", {"$": "{}", "__key": "K:1"}]]}, 0)
@example({b"results": [{"extra_attributes": {"$": "{}", "__key": "K:1"}}]}, 0)
@given(pages, st.integers(min_value=0, max_value=9))
def test_parse_cursor_hits_are_the_rows_of_parse_cursor(page: Any, cursor: int) -> None:
    try:
        rows, want_cursor = _search.parse_cursor([page, cursor])
    except Exception as exc:  # the general parse refuses it: so does the fast one
        try:
            _search.parse_cursor_hits([page, cursor])
        except Exception as fast_exc:
            assert type(fast_exc) is type(exc)
            return
        raise AssertionError("parse_cursor_hits accepted what parse_cursor refuses") from exc
    got, got_cursor = _search.parse_cursor_hits([page, cursor])
    assert got_cursor == want_cursor == cursor
    want = ([r.get("__key") for r in rows], [r.get("$") for r in rows]) if rows else ()
    assert got == want
    if rows:
        for column_got, column_want in zip(got, want, strict=True):
            assert [type(v) for v in column_got] == [type(v) for v in column_want]
