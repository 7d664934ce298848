# GENERATED from tests/_async/test_search.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Indexes and expression queries against the real server, in both APIs."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import pytest

import rapyer
from rapyer._sync import index_ops, search
from rapyer.errors import BadFilterError, IndexNotFoundError, UnsupportedArgumentValueError
from tests.models import Color, Doc, Level, Member, Place, Unindexed

UTC = dt.timezone.utc


def _members() -> list[Member]:
    members = []
    for i in range(30):
        member = Member(
            name=f"user {i}",
            age=i,
            score=i / 4,
            email=f"user{i}@example.com",
            bio="likes redis and python" if i % 2 else "likes tea",
            active=i % 3 != 0,
            nickname=None if i % 5 == 0 else f"nick-{i % 4}",
            rank=None if i % 2 else i,
            joined=dt.datetime(2020, 1, 1, tzinfo=UTC) + dt.timedelta(days=i),
            birthday=dt.date(1990, 1, 1 + i % 3),
            color=Color.BLUE if i % 2 else Color.RED,
            level=Level.HIGH if i >= 20 else Level.LOW,
            kind="b" if i % 10 == 0 else "a",
            home=Place(city=["Paris", "Tel Aviv", "New-York"][i % 3], floor=None if i % 4 else i),
        )
        member.save()
        members.append(member)
    return members


def _ages(models: list[Member]) -> list[int]:
    return sorted(m.age for m in models)


def test_operators_on_every_kind(backend):
    members = _members()
    ids = {m.age: m for m in members}

    def ages(*expressions):
        return _ages(Member.find(*expressions))

    assert ages(Member.name == "user 7") == [7]
    assert ages(Member.age >= 25) == [25, 26, 27, 28, 29]
    assert ages(Member.age < 3) == [0, 1, 2]
    assert ages(Member.score > 7) == [29]
    assert ages(Member.score <= 0.25) == [0, 1]
    assert ages(Member.age != 0, Member.age <= 3) == [1, 2, 3]
    assert ages(Member.active == False) == list(range(0, 30, 3))  # noqa: E712
    assert ages(Member.nickname == None) == list(range(0, 30, 5))  # noqa: E711
    assert ages(Member.nickname.is_missing()) == list(range(0, 30, 5))
    assert len(ages(Member.nickname != None)) == 24  # noqa: E711
    assert ages(Member.rank.is_missing()) == list(range(1, 30, 2))
    assert ages(Member.rank > 25) == [26, 28]
    since = dt.datetime(2020, 1, 28, tzinfo=UTC)
    assert ages(Member.joined >= since) == [27, 28, 29]
    assert ages(Member.birthday == dt.date(1990, 1, 3)) == list(range(2, 30, 3))
    assert ages(Member.color == Color.BLUE, Member.age < 6) == [1, 3, 5]
    assert ages(Member.level == Level.HIGH, Member.age < 22) == [20, 21]
    assert ages(Member.kind == "b") == [0, 10, 20]
    assert ages(Member.ident == ids[4].ident) == [4]
    assert ages(Member.home.city == "Tel Aviv", Member.age < 9) == [1, 4, 7]
    assert ages(Member.home.city.startswith("New"), Member.age < 9) == [2, 5, 8]
    assert ages(Member.home.floor == 8) == [8]
    assert ages(Member.email == "user3@example.com") == [3]
    assert ages(Member.email.startswith("user2")) == [2, *range(20, 30)]
    assert ages(Member.name.in_(["user 1", "user 2", "nobody"])) == [1, 2]
    assert ages(Member.age.in_([4, 5, 99])) == [4, 5]
    assert ages(Member.age.in_([])) == []
    assert len(ages(~Member.name.in_([]))) == 30
    assert ages(Member.bio.match("python redis"), Member.age < 6) == [1, 3, 5]
    assert ages((Member.age < 2) | (Member.age > 27)) == [0, 1, 28, 29]
    assert ages(~(Member.age > 2)) == [0, 1, 2]
    assert ages((Member.age < 5) & ~(Member.home.city == "Paris")) == [1, 2, 4]
    assert ages(Member.age > 2.5, Member.age < 4.5) == [3, 4]


def test_every_match_is_returned_not_ten(backend):
    _members()
    assert len(Member.find(Member.age >= 0)) == 30
    assert len(search.find(Member, [])) == 30
    assert Member.count(Member.age >= 0) == 30
    assert Member.count(Member.age > 19) == 10
    assert search.count(Member, []) == 30


def test_max_results_offset_and_sort(backend):
    _members()
    ages = [m.age for m in Member.find(sort_by="-age")]
    assert ages == list(range(29, -1, -1))
    ages = [m.age for m in Member.find(Member.age > 9, sort_by=Member.age)]
    assert ages == list(range(10, 30))
    got = Member.find(sort_by=Member.age.desc(), offset=3, max_results=4)
    assert [m.age for m in got] == [26, 25, 24, 23]
    got = Member.find(Member.age < 10, sort_by=Member.age.asc(), offset=8)
    assert [m.age for m in got] == [8, 9]
    assert len(Member.find(Member.age < 10, max_results=4)) == 4
    assert Member.find(Member.age < 10, max_results=0) == []
    by_score = Member.find(Member.age > 5, sort_by="-score")  # NUMERIC, not SORTABLE
    assert [m.age for m in by_score] == list(range(29, 5, -1))
    by_date = Member.find(Member.age < 12, sort_by=Member.joined.desc())
    assert [m.age for m in by_date] == list(range(11, -1, -1))
    got = Member.find(sort_by="home.city", max_results=10)
    assert {m.home.city for m in got} == {"New-York"}
    with pytest.raises(UnsupportedArgumentValueError):
        Member.find(sort_by="note")
    with pytest.raises(UnsupportedArgumentValueError):
        Member.find(Member.age > 1, sort_by="-nope")
    with pytest.raises(UnsupportedArgumentValueError):
        Member.find(Member.age > 1, max_results=-1)
    with pytest.raises(UnsupportedArgumentValueError):
        search.find(Member, [], offset=-2)


def test_iterate_in_batches(backend):
    _members()
    streamed = [m.age for m in Member.iterator(Member.age >= 5, batch_size=4)]
    assert sorted(streamed) == list(range(5, 30))
    ordered = [m.age for m in Member.iterator(batch_size=7, sort_by="-age")]
    assert ordered == list(range(29, -1, -1))
    with pytest.raises(UnsupportedArgumentValueError):
        [m for m in search.iterate(Member, [], batch_size=0)]


def test_found_models_equal_the_saved_ones(backend):
    members = {m.key: m for m in _members()}
    for model in Member.find(Member.age < 30):
        assert model == members[model.key]
        assert model.pk == members[model.key].pk


def test_delete_many_by_expression(backend):
    _members()
    Member.Meta.max_delete_per_transaction = 4
    try:
        result = Member.delete_many(Member.age >= 10)
    finally:
        Member.Meta.max_delete_per_transaction = 1000
    assert (result.models_deleted, result.keys_deleted, result.was_committed) == (20, 20, True)
    assert search.count(Member, []) == 10
    assert _ages(search.find(Member, [])) == list(range(10))
    result = Member.delete_many(Member.age > 100)
    assert result.models_deleted == 0
    assert (search.delete_many(Member, [])).models_deleted == 10
    assert backend.keys("Member:*") == []


def test_missing_index_raises(backend):
    Member(name="a").save()
    Member.delete_index()
    with pytest.raises(IndexNotFoundError):
        Member.find(Member.age > 1)
    with pytest.raises(IndexNotFoundError):
        Member.count(Member.age > 1)
    with pytest.raises(IndexNotFoundError):
        Member.find(sort_by="age")
    with pytest.raises(IndexNotFoundError):
        Member.delete_many(Member.age > 1)
    with pytest.raises(IndexNotFoundError):
        search.find(Unindexed, [])
    # documents were kept; a new index indexes them
    Member.create_index()
    index_ops.wait_for_indexing(Member)
    assert Member.count(Member.name == "a") == 1


def test_create_index_twice_raises_and_init_overrides(backend):
    import redis

    with pytest.raises(redis.ResponseError):
        Member.create_index()
    Unindexed.create_index()  # no indexed fields: a no-op
    Place(city="Rome").save()
    rapyer.init_rapyer_sync(redis=backend, override_old_idx=False)
    rapyer.init_rapyer_sync(redis=backend)  # drops and recreates, keeping documents
    index_ops.wait_for_indexing(Place)
    assert Place.count(Place.city == "Rome") == 1
    Place.delete_index()
    rapyer.init_rapyer_sync(redis=backend, override_old_idx=False)  # creates the missing one
    index_ops.wait_for_indexing(Place)
    assert Place.count(Place.city == "Rome") == 1


def test_invalid_documents_are_skipped_with_a_warning(backend, caplog):
    good = Doc(s="ok", n=1)
    good.save()
    backend.execute_command("JSON.SET", "Doc:bad", "$", '{"s": "ok", "n": 2, "b": "maybe"}')
    with caplog.at_level(logging.WARNING, logger="rapyer"):
        found = Doc.find(Doc.s == "ok")
    assert [m.key for m in found] == [good.key]
    assert "Doc:bad" in caplog.text
    assert Doc.count(Doc.s == "ok") == 2


def test_values_with_special_characters(backend):
    values = ['a "quoted" value', "it's", "x@y.com", "{a|b}*", "back\\slash", "ümlaut 日本", "-"]
    values += ["a\\.b", "a.b", "\\-", "a\\\\b", "a\\b"]  # the parser unescapes "\\."
    for value in values:
        Doc(s=value, n=len(value)).save()
    for value in values:
        found = Doc.find(Doc.s == value)
        assert [m.s for m in found] == [value]
    found = Doc.find(Doc.s.in_(values[:3]))
    assert sorted(m.s for m in found) == sorted(values[:3])


def test_datetimes_round_trip_and_compare(backend):
    when = dt.datetime(2024, 2, 29, 12, 30, 15, 250000, tzinfo=UTC)
    doc = Doc(when=when)
    doc.save()
    Doc(when=None).save()
    assert backend.execute_command("JSON.GET", doc.key, "$.when") == f"[{when.timestamp()}]"
    (found,) = Doc.find(Doc.when == when)
    assert found.when == when.replace(tzinfo=None)  # naive UTC
    assert len(Doc.find(Doc.when > when - dt.timedelta(seconds=1))) == 1
    assert len(Doc.find(Doc.when.is_missing())) == 1
    assert (Doc.get(doc.key)).when == when.replace(tzinfo=None)


def test_server_without_redisearch(fake_redis, caplog):
    with caplog.at_level(logging.WARNING, logger="rapyer"):
        rapyer.init_rapyer_sync(redis=fake_redis)
    assert "RediSearch" in caplog.text
    with pytest.raises(IndexNotFoundError):
        Member.find(Member.age > 1)
    with pytest.raises(IndexNotFoundError):
        Member.count(Member.age > 1)
    assert Member.count() == 0  # SCAN: no index needed


def test_uuid_values(backend):
    member = Member(name="u")
    member.save()
    found = Member.find(Member.ident == str(member.ident))
    assert [m.key for m in found] == [member.key]
    assert Member.find(Member.ident == uuid.uuid4()) == []


def test_public_api_modes(backend):
    _members()
    found = Member.find_one(Member.age > 20, sort_by="age")
    assert found is not None and found.age == 21
    assert Member.find_one(Member.age > 100) is None
    with pytest.raises(BadFilterError):
        Member.find(Member.age)
    with pytest.raises(BadFilterError):
        Member.count(Member.age)
    with pytest.raises(BadFilterError):
        Member.find(Member.note == "x")
    with pytest.raises(UnsupportedArgumentValueError):
        Member.find("Member:1", Member.age > 1)
    ordered = Member.find(Member.age < 3, sort_by=Member.age.desc())
    assert [m.age for m in ordered] == [2, 1, 0]


def test_delete_many_by_expression_inside_a_pipeline(backend):
    _members()
    with rapyer.pipeline():
        result = Member.delete_many(Member.age < 10)
        assert result.was_committed is False
        assert result.models_deleted == 10
        assert Member.count(Member.age < 10) == 10  # not deleted yet
    assert Member.count(Member.age < 10) == 0
    assert Member.count() == 20


def test_ttl_is_refreshed_for_found_models(backend):
    member = Member(name="ttl")
    member.save()
    Member.Meta.ttl = 100
    try:
        backend.persist(member.key)
        (found,) = Member.find(Member.name == "ttl")
        assert found.key == member.key
        assert 0 < backend.ttl(member.key) <= 100
    finally:
        Member.Meta.ttl = None


def test_negated_groups_inside_intersections(backend):
    # RediSearch 2.10 returns nothing for "(-(-@a:{w'*'})) (-@b:[-inf +inf])"; the compiler
    # pushes negations down to the conditions instead.
    for i in range(12):
        Doc(n=i, inner=Place(city="c", floor=None if i % 3 else i)).save()
    query = (~~(Doc.inner.city != None)) & (Doc.inner.floor == None)  # noqa: E711
    assert sorted(m.n for m in Doc.find(query)) == [1, 2, 4, 5, 7, 8, 10, 11]
    query = ~((Doc.n < 3) | (Doc.inner.floor != None)) & ~~(Doc.n < 9)  # noqa: E711
    assert sorted(m.n for m in Doc.find(query)) == [4, 5, 7, 8]
