# GENERATED from tests/_async/test_cluster_queries.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Queries on a cluster give a single server's results: the same documents are stored on the
embedded single server and on the embedded cluster, and every query form of the query guide
(filters, sort, paging, count, find one, iterator, delete by expression) runs on both.

Without ``sort_by`` the order is each server's index order, so those results compare as sets
(and paging through them must visit every match once); with ``sort_by`` they compare item by
item, ties broken by the key.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from redis.cluster import RedisCluster

import rapyer
from rapyer import _slots
from rapyer._cluster_clients import plain_url
from rapyer.testing import flush_test_database
from tests.models import Color, Place, Spread

pytestmark = pytest.mark.cluster

# pks with shared prefixes, so key order and its ties matter ("a" < "ab" < "ab}" ...)
_PKS = ["a", "ab", "abc", "b", "B", "a-1", "z"]


def _documents() -> list[Spread]:
    rng = random.Random(17)
    base = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    docs = []
    for i in range(110):
        doc = Spread(
            s=rng.choice(["a", "A", "b", "B", "é", "", "ab"]),
            name=rng.choice(["x", "y", "X", "hello world"]),
            t=rng.choice([None, "red fox", "lazy dog", "fox and dog"]),
            n=rng.randint(-3, 5),
            x=rng.choice([None, -1.5, 0.0, 2.25, 10.0, 100.0]),
            b=rng.random() < 0.5,
            when=rng.choice([None, base, base + dt.timedelta(days=rng.randint(1, 3))]),
            day=dt.date(2020, 1, rng.randint(1, 4)),
            color=rng.choice(list(Color)),
            inner=Place(city=rng.choice(["Rome", "Oslo", ""]), floor=rng.choice([None, 1, 2])),
        )
        doc.pk = _PKS[i] if i < len(_PKS) else f"p{rng.randint(0, 10**6)}-{i}"
        docs.append(doc)
    return docs


def _filters() -> dict[str, list]:
    return {
        "all": [],
        "eq": [Spread.s == "a"],
        "ne": [Spread.s != "a"],
        "range": [Spread.n >= 2],
        "and": [Spread.n < 3, Spread.b == True],  # noqa: E712
        "or": [(Spread.name == "x") | (Spread.x > 1)],
        "not": [~(Spread.n < 0)],
        "in": [Spread.name.in_(["x", "hello world"])],
        "startswith": [Spread.name.startswith("he")],
        "match": [Spread.t.match("fox")],
        "missing": [Spread.x.is_missing()],
        "is_none": [Spread.when == None],  # noqa: E711
        "not_none": [Spread.when != None],  # noqa: E711
        "datetime": [Spread.when > dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)],
        "date": [Spread.day == dt.date(2020, 1, 2)],
        "enum": [Spread.color == Color.BLUE],
        "nested": [Spread.inner.city == "Rome", Spread.inner.floor >= 1],
    }


_SORTS = ["n", "-n", "x", "-x", "s", "-s", "name", "b", "-when", "day", "inner.floor"]
_PAGES = [(0, None), (0, 1), (5, 10), (37, 13), (100, 50)]


def _pks(models) -> list[str]:
    return [m.pk for m in models]


def _results() -> dict[str, object]:
    """Every query form, its result in a comparable form."""
    out: dict[str, object] = {}
    for name, filters in _filters().items():
        found = Spread.find(*filters) if filters else Spread.find(sort_by="n")
        out[f"find {name}"] = sorted(m.model_dump_json() for m in found)
        out[f"count {name}"] = Spread.count(*filters) if filters else len(found)
        out[f"sorted {name}"] = _pks(Spread.find(*filters, sort_by="-n"))
        paged = Spread.find(*filters, sort_by=Spread.x.asc(), offset=3, max_results=9)
        out[f"paged {name}"] = _pks(paged)
    for sort in _SORTS:
        for offset, limit in _PAGES:
            found = Spread.find(sort_by=sort, offset=offset, max_results=limit)
            out[f"sort {sort} {offset}:{limit}"] = _pks(found)
        first = Spread.find_one(Spread.n >= 0, sort_by=sort)
        out[f"find one {sort}"] = first.pk if first is not None else None
        out[f"iterate {sort}"] = [m.pk for m in Spread.iterator(sort_by=sort, batch_size=8)]
    out["iterate filter"] = sorted(
        [m.pk for m in Spread.iterator(Spread.b == True, batch_size=6)]  # noqa: E712
    )
    out["find one unsorted"] = (Spread.find_one(Spread.s == "nothing")) is None
    for offset, limit in _PAGES:  # index order: only the sizes are the same
        found = Spread.find(Spread.n > -10, offset=offset, max_results=limit)
        out[f"unsorted size {offset}:{limit}"] = len(found)
    pages, offset = [], 0
    while True:
        page = Spread.find(Spread.n > -10, offset=offset, max_results=17)
        if not page:
            break
        pages.extend(_pks(page))
        offset += 17
    out["unsorted pages visit each once"] = (len(pages), sorted(set(pages)) == sorted(pages))
    deleted = Spread.delete_many(Spread.n == 1)
    out["delete_many"] = (deleted.models_deleted, Spread.count(Spread.n == 1))
    out["after delete"] = _pks(Spread.find(sort_by="-x", max_results=20))
    return out


def _load_and_run(url: str) -> dict[str, object]:
    rapyer.init_rapyer_sync(redis=url)
    try:
        Spread.insert(*_documents())
        return _results()
    finally:
        rapyer.teardown_rapyer_sync()


def test_every_query_form_equals_a_single_server(server_url, rapyer_cluster_url):
    flush_test_database(server_url)
    single = _load_and_run(server_url)
    cluster = RedisCluster.from_url(plain_url(rapyer_cluster_url), decode_responses=True)
    try:
        cluster.flushall(target_nodes=RedisCluster.PRIMARIES)
        on_cluster = _load_and_run(rapyer_cluster_url)
        keys = ["{" + f"Spread:{pk}" + "}" for pk in on_cluster["sort n 0:None"]]
        assert len({cluster.get_node_from_key(key).name for key in keys}) == 3
        assert len({_slots.slot_of(key) for key in keys}) > 50
    finally:
        cluster.close()
    assert single["sort n 0:None"], "the single server found nothing"
    assert single["count all"] == 110
    for form, expected in single.items():
        assert on_cluster[form] == expected, form
    assert on_cluster.keys() == single.keys()
