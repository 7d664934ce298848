"""The client-side merge of a cluster query (no server): rows spread over primaries, each
primary answering in its own order, give the page a single server gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rapyer import _gather, _query, _slots
from rapyer._index import lookup
from tests.models import Spread


def _single_server_order(rows, descending):
    """Sort value (missing first ascending, last descending), then the key ascending."""
    valued = sorted((r for r in rows if r[1] is not None), key=lambda r: r[0])
    valued.sort(key=lambda r: r[1], reverse=descending)
    missing = sorted((r for r in rows if r[1] is None), key=lambda r: r[0])
    return [k for k, _ in (valued + missing if descending else missing + valued)]


def _primary_order(rows, descending, shuffle):
    """A primary's FT.SEARCH order: values sorted (ties in any order), missing ones last."""
    valued = sorted((r for r in rows if r[1] is not None), key=lambda r: shuffle.index(r[0]))
    valued.sort(key=lambda r: r[1], reverse=descending)
    return valued + [r for r in rows if r[1] is None]


_rows = st.lists(
    st.tuples(st.text("ab}{", min_size=1, max_size=4), st.none() | st.integers(0, 3)),
    max_size=40,
    unique_by=lambda r: r[0],
)


@given(
    rows=_rows,
    shards=st.integers(1, 3),
    descending=st.booleans(),
    optional=st.booleans(),
    offset=st.integers(0, 12),
    limit=st.none() | st.integers(1, 12),
    seed=st.randoms(),
)
def test_merged_pages_equal_the_single_server_order(
    rows, shards, descending, optional, offset, limit, seed
):
    if not optional:
        rows = [(key, 0 if value is None else value) for key, value in rows]
    field = lookup(Spread, "x" if optional else "n")
    sort = _query.SortKey(field, descending)
    need = None if limit is None else offset + limit
    collected: list[_gather.Row] = []
    for shard in range(shards):
        mine = [r for r in rows if _slots.slot_of(r[0]) % shards == shard]
        shuffle = [k for k, _ in mine]
        seed.shuffle(shuffle)
        ordered = _primary_order(mine, descending, shuffle)
        size = len(ordered) if need is None else need + 1
        while True:  # what rapyer._async.scatter asks a primary
            answer = ordered[:size]
            more = _gather.more_needed(answer, len(ordered), need, sort)
            if more is None:
                break
            assert more > len(answer)
            size = more
        collected.extend(answer)
    expected = _single_server_order(rows, descending)
    end = None if limit is None else offset + limit
    assert _gather.merge(collected, sort, offset, limit) == expected[offset:end]


def test_sort_keys_and_replies_are_parsed():
    assert _gather.sort_value("#-1.5") == -1.5
    assert _gather.sort_value("$Ab") == "Ab"
    assert _gather.sort_value(None) is None
    resp3 = {"total_results": 2, "results": [{"id": "k1", "sortkey": "#2"}, {"id": "k2"}]}
    assert _gather.parse_rows(resp3, True) == (2, [("k1", 2.0), ("k2", None)])
    assert _gather.parse_rows([2, "k1", "$a", "k2", None], True) == (2, [("k1", "a"), ("k2", None)])
    assert _gather.parse_rows([5, "k1", "k2"], False) == (5, [("k1", None), ("k2", None)])
