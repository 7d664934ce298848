"""Documents written by the original rapyer 1.3 in its default format (base64 pickles): every
read path decodes them through the restricted unpickler, and the migration rewrites them as
plain JSON. Hostile pickles are refused and never run."""

from __future__ import annotations

import datetime
import decimal
import io
import json
import warnings

import pytest

import rapyer
from rapyer import _keys, _original, _set_members
from rapyer.errors import (
    CantSerializeRedisValueError,
    RapyerWarning,
    UnmigratedSetWarning,
    UnsupportedArgumentValueError,
)
from tests.original_format import (
    OrigAll,
    OrigLevel,
    OrigLoose,
    OrigSafe,
    OrigTagged,
    OrigTaggedIndexed,
    OrigTagInner,
    hostile_system,
    original_document,
    pickled,
    sample,
    sample_values,
    tagged_document_1_2_5,
)


def _store_original(client, key: str, document: dict) -> None:
    client.execute_command("JSON.SET", key, "$", json.dumps(document))


def _stored(client, key: str) -> dict:
    raw = json.loads(client.execute_command("JSON.GET", key, "$"))
    return raw[0] if isinstance(raw, list) else raw


def _store_samples(client, count: int) -> list[str]:
    keys = [f"OrigAll:{i}" for i in range(count)]
    for key in keys:
        _store_original(client, key, original_document(sample_values()))
    return keys


async def test_every_read_path_decodes_the_original_format(redis_backend):
    keys = _store_samples(redis_backend, 3)
    expected = sample()
    assert await OrigAll.aget(keys[0]) == expected
    assert await rapyer.aget(keys[1]) == expected
    assert await OrigAll.afind(*keys) == [expected] * 3
    assert await rapyer.afind(*keys) == [expected] * 3
    assert sorted((await OrigAll.afind()), key=lambda m: m.pk) == [expected] * 3
    batches = [batch async for batch in _iterate(OrigAll)]
    assert sum(len(batch) for batch in batches) == 3


async def _iterate(cls):
    batch = []
    async for model in cls.aiterator(batch_size=2):
        batch.append(model)
    yield batch


async def test_field_reads_decode_the_original_format(redis_backend):
    (key,) = _store_samples(redis_backend, 1)
    model = await OrigAll.aget(key)
    assert await model.flags.aload() == [True, False, True]  # sync: aload=load_now
    assert await model.ids.aload() == sample().ids  # sync: aload=load_now
    assert await model.raw.aload() == b"\x00\xffdata"  # sync: aload=load_now
    assert await model.moments.aload() == sample().moments  # sync: aload=load_now


async def test_read_migrate_read_round_trip(redis_backend):
    keys = _store_samples(redis_backend, 3)
    before = {key: _stored(redis_backend, key) for key in keys}
    expected = sample()
    assert await OrigAll.afind(*keys) == [expected] * 3

    dry = await rapyer.amigrate_original(OrigAll, dry_run=True)
    assert (dry.dry_run, dry.scanned, dry.migrated, dry.invalid) == (True, 3, 3, 0)
    assert {key: _stored(redis_backend, key) for key in keys} == before  # nothing written

    done = await rapyer.amigrate_original(OrigAll, batch_size=2)
    assert (done.scanned, done.migrated, done.invalid) == (3, 3, 0)
    assert done.models[0].cursor == 0
    for key in keys:
        stored = _stored(redis_backend, key)
        dumped = expected.redis_dump()
        # rapyer's own plain JSON, field by field ("at" was ISO text already: not rewritten)
        assert {k: v for k, v in stored.items() if k != "at"} == {
            k: v for k, v in dumped.items() if k != "at"
        }
        assert stored["flag"] is True and stored["flags"] == [True, False, True]
        assert stored["color"] == "blue" and stored["day"] == "2024-02-29"
    assert await OrigAll.afind(*keys) == [expected] * 3

    again = await rapyer.amigrate_original(OrigAll)
    assert (again.scanned, again.migrated) == (3, 0)  # idempotent


async def test_migration_keeps_ttl_and_other_models(redis_backend):
    (key,) = _store_samples(redis_backend, 1)
    redis_backend.expire(key, 1000)
    user_doc = {"flag": True, "color": "red"}
    _store_original(redis_backend, "OrigSafe:1", user_doc)
    result = await rapyer.amigrate_original()  # every registered model
    assert result.migrated == 1
    assert 0 < redis_backend.ttl(key) <= 1000
    assert _stored(redis_backend, "OrigSafe:1") == user_doc


async def test_migration_resumes_from_a_cursor(redis_backend):
    keys = _store_samples(redis_backend, 6)
    cursor, _ = redis_backend.execute_command("SCAN", 0, "MATCH", "OrigAll:*", "COUNT", 2)
    cursor = int(cursor)
    if cursor:
        resumed = await rapyer.amigrate_original(OrigAll, cursor=cursor, batch_size=2)
        assert resumed.models[0].cursor == 0
        assert resumed.scanned <= 6
    rest = await rapyer.amigrate_original(OrigAll, batch_size=2)
    assert rest.scanned == 6
    assert all(_stored(redis_backend, key)["flag"] is True for key in keys)
    assert (await rapyer.amigrate_original(OrigAll)).migrated == 0


async def test_migration_draws_a_progress_bar(redis_backend):
    _store_samples(redis_backend, 4)
    stream = io.StringIO()
    result = await rapyer.amigrate_original(OrigAll, batch_size=3, progress=stream)
    assert result.migrated == 4
    text = stream.getvalue()
    assert "OrigAll [" in text and "100% 4/4 migrated 4" in text
    assert text.endswith("\n")


async def test_migration_argument_errors(redis_backend):
    with pytest.raises(UnsupportedArgumentValueError):
        await rapyer.amigrate_original(OrigAll, batch_size=0)
    with pytest.raises(UnsupportedArgumentValueError):
        await rapyer.amigrate_original(OrigAll, cursor=-1)
    with pytest.raises(UnsupportedArgumentValueError):
        await rapyer.amigrate_original(OrigAll, OrigSafe, cursor=5)


async def test_hostile_pickle_is_refused_and_never_runs(redis_backend, tmp_path):
    marker = tmp_path / "pwned"
    document = original_document(sample_values())
    document["flag"] = hostile_system(f"touch {marker}")
    _store_original(redis_backend, "OrigAll:evil", document)
    with pytest.raises(CantSerializeRedisValueError):
        await OrigAll.aget("OrigAll:evil")
    with pytest.raises(CantSerializeRedisValueError):
        await rapyer.aget("OrigAll:evil")
    with pytest.raises(CantSerializeRedisValueError):
        await rapyer.afind("OrigAll:evil")
    with pytest.raises(CantSerializeRedisValueError):
        await OrigAll.afind()
    before = _stored(redis_backend, "OrigAll:evil")
    result = await rapyer.amigrate_original(OrigAll)
    assert (result.migrated, result.invalid) == (0, 1)
    assert _stored(redis_backend, "OrigAll:evil") == before
    assert not marker.exists()


async def test_hostile_item_and_nested_pickles_are_refused(redis_backend, tmp_path):
    marker = tmp_path / "pwned"
    for field, value in (
        ("flags", [hostile_system(f"touch {marker}")]),
        ("ids", {"a": hostile_system(f"touch {marker}")}),
        ("inner", {"active": hostile_system(f"touch {marker}")}),
    ):
        document = original_document(sample_values())
        document[field] = value
        _store_original(redis_backend, "OrigAll:evil", document)
        with pytest.raises(CantSerializeRedisValueError):
            await OrigAll.aget("OrigAll:evil")
    assert not marker.exists()


async def test_a_class_outside_the_field_type_is_refused(redis_backend):
    for field, value in (
        ("flag", pickled(decimal.Decimal("1"))),  # a Decimal in a bool field
        ("color", pickled(OrigLevel.HIGH)),  # another Enum
        ("ident", pickled(decimal.Decimal("1"))),
    ):
        document = original_document(sample_values())
        document[field] = value
        _store_original(redis_backend, "OrigAll:other", document)
        with pytest.raises(CantSerializeRedisValueError):
            await OrigAll.aget("OrigAll:other")


async def test_safe_load_field_with_a_hostile_pickle_becomes_none(redis_backend, tmp_path):
    marker = tmp_path / "pwned"
    _store_original(
        redis_backend,
        "OrigSafe:1",
        {"flag": hostile_system(f"touch {marker}"), "color": pickled(sample().color)},
    )
    model = await OrigSafe.aget("OrigSafe:1")
    assert model.flag is None and model.failed_fields == {"flag"}
    assert model.color == sample().color
    assert not marker.exists()


async def test_pickles_that_validate_as_strings_are_decoded_and_migrated(redis_backend, tmp_path):
    key = "OrigLoose:1"
    marker = tmp_path / "ran"
    document = {
        "anything": pickled({"k": [1, "two"]}),
        "names": [pickled("x"), pickled(None), "plain"],
        "extra": {"n": pickled(3), "s": pickled("text"), "bad": hostile_system(f"touch {marker}")},
        "label": "gASILg==",  # a str field: the original never pickled it
    }
    _store_original(redis_backend, key, document)
    expected = OrigLoose(
        anything={"k": [1, "two"]},
        names=["x", None, "plain"],
        extra={"n": 3, "s": "text", "bad": document["extra"]["bad"]},  # refused: kept as text
        label="gASILg==",
    )
    assert await OrigLoose.aget(key) == expected
    assert await OrigLoose.afind(key) == [expected]
    assert await rapyer.afind(key) == [expected]
    assert await OrigLoose.afind() == [expected]
    assert not marker.exists()
    loaded = await OrigLoose.aget(key)
    assert await loaded.names.aload() == ["x", None, "plain"]  # sync: aload=load_now
    assert await loaded.extra.aload() == expected.extra  # sync: aload=load_now
    assert await loaded.names.apop(0) == "x"
    assert await loaded.extra.apop("n") == 3
    _store_original(redis_backend, key, document)  # as the original wrote it again

    done = await rapyer.amigrate_original(OrigLoose)
    assert (done.scanned, done.migrated, done.invalid) == (1, 1, 0)
    stored = _stored(redis_backend, key)
    assert stored["anything"] == {"k": [1, "two"]} and stored["names"] == ["x", None, "plain"]
    assert stored["extra"]["n"] == 3 and stored["label"] == "gASILg=="
    assert await OrigLoose.aget(key) == expected
    assert (await rapyer.amigrate_original(OrigLoose)).migrated == 0  # idempotent

    own = OrigLoose(anything="gA plain", names=["y", None], extra={"z": [1]})
    await own.asave()
    assert await OrigLoose.aget(own.key) == own  # rapyer's own documents are unchanged


def test_only_classes_with_such_positions_pay_for_the_check():
    assert _original.hides_pickles(OrigLoose)
    assert not _original.hides_pickles(OrigAll)  # its pickles fail validation instead
    assert not _original.hides_pickles(OrigTagged)


async def test_migration_moves_sets_stored_in_the_document_to_their_keys(redis_backend):
    key = "OrigTagged:1"
    _store_original(redis_backend, key, tagged_document_1_2_5())
    redis_backend.expire(key, 500)
    dry = await rapyer.amigrate_original(OrigTagged, dry_run=True)
    assert (dry.scanned, dry.migrated) == (1, 1)
    assert _stored(redis_backend, key) == tagged_document_1_2_5()  # nothing written

    done = await rapyer.amigrate_original(OrigTagged)
    assert (done.scanned, done.migrated, done.invalid) == (1, 1, 0)
    assert _stored(redis_backend, key) == {"name": "t", "inner": {}}
    model = await OrigTagged.aget(key)
    assert model.tags == {"a", "b"} and model.inner.codes == {1, 2}
    assert model.days == {datetime.date(2020, 1, 1), datetime.date(2021, 2, 3)}
    for set_key in model.all_keys[1:]:
        assert 0 < redis_backend.ttl(set_key) <= 500  # expires with its document
    assert len(model.all_keys) == 4

    again = await rapyer.amigrate_original(OrigTagged)
    assert (again.scanned, again.migrated) == (1, 0)  # idempotent
    assert (await OrigTagged.aget(key)).tags == {"a", "b"}


async def test_a_set_in_the_document_that_is_not_a_set_is_left_alone(redis_backend):
    key = "OrigTagged:2"
    _store_original(redis_backend, key, {"name": "x", "tags": pickled(5)})
    done = await rapyer.amigrate_original(OrigTagged)
    assert (done.migrated, done.invalid) == (0, 1)
    assert _stored(redis_backend, key) == {"name": "x", "tags": pickled(5)}


def _changes(client) -> int:
    """Writes the server counted so far (every write command increments it)."""
    return int(client.info("persistence")["rdb_changes_since_last_save"])


def _assert_tagged(model) -> None:
    assert model.tags == {"a", "b"} and model.inner.codes == {1, 2}
    assert model.days == {datetime.date(2020, 1, 1), datetime.date(2021, 2, 3)}


async def _read_every_way(key: str) -> list:
    """The model at ``key`` by every read path that loads set fields."""
    stale = OrigTagged(name="stale")
    stale._rapyer_pk = key.split(":", 1)[1]
    return [
        await OrigTagged.aget(key),
        await rapyer.aget(key),
        await stale.aload(),
        (await OrigTagged.afind(key))[0],
        (await OrigTagged.afind())[0],
        (await rapyer.afind(key))[0],
        [model async for model in OrigTagged.aiterator(batch_size=2)][0],
    ]


async def test_sets_stored_in_the_document_are_read_with_one_warning(backend):
    key = "OrigTagged:1"
    _store_original(backend, key, tagged_document_1_2_5())
    own = OrigTagged(name="own", tags={"x"})  # rapyer's own format: no warning
    await own.asave()
    _set_members.INLINE_WARNED.discard(OrigTagged)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert (await OrigTagged.aget(own.key)).tags == {"x"}
        assert not [w for w in caught if issubclass(w.category, UnmigratedSetWarning)]

        changes = _changes(backend)
        for model in await _read_every_way(key):
            _assert_tagged(model)
        stale = OrigTagged(name="stale")
        stale._rapyer_pk = "1"
        async with stale.apipeline() as fresh:
            _assert_tagged(fresh)
        _assert_tagged(stale)
        assert _changes(backend) == changes  # a read writes nothing
        async with OrigTagged.alock_from_key(key) as locked:
            _assert_tagged(locked)
        async with rapyer.alock_from_key(key) as locked:
            _assert_tagged(locked)
    set_keys = [_keys.special_key(key, path) for path in ("tags", "days", "inner.codes")]
    assert backend.exists(*set_keys) == 0  # no set key was created
    assert _stored(backend, key) == tagged_document_1_2_5()

    found = [w for w in caught if issubclass(w.category, UnmigratedSetWarning)]
    assert len(found) == 1  # once per class
    assert issubclass(UnmigratedSetWarning, RapyerWarning)
    text = str(found[0].message)
    for part in ("OrigTagged", "'tags'", "'days'", "'inner.codes'"):
        assert part in text
    assert "python -m rapyer migrate-original tests.original_format" in text
    assert "migrate_original(OrigTagged)" in text

    done = await rapyer.amigrate_original(OrigTagged)
    assert done.migrated == 1
    _set_members.INLINE_WARNED.discard(OrigTagged)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for model in await _read_every_way(key):
            _assert_tagged(model)
    assert not [w for w in caught if issubclass(w.category, UnmigratedSetWarning)]


async def test_a_read_shows_what_the_migration_will_store(backend):
    key = "OrigTagged:2"
    _store_original(backend, key, {"name": "t", "tags": pickled({"a", "b"})})
    _set_members.INLINE_WARNED.discard(OrigTagged)
    with pytest.warns(UnmigratedSetWarning, match="'tags'"):
        model = await OrigTagged.aget(key)
    await model.tags.aadd("c")  # before the migration: a write goes to the set's own key
    assert backend.smembers(_keys.special_key(key, "tags")) == {json.dumps("c")}
    assert (await OrigTagged.aget(key)).tags == {"a", "b", "c"}
    assert (await OrigTagged.afind(key))[0].tags == {"a", "b", "c"}
    await rapyer.amigrate_original(OrigTagged)
    assert (await OrigTagged.aget(key)).tags == {"a", "b", "c"}
    assert "tags" not in _stored(backend, key)


async def test_reads_by_expression_see_sets_stored_in_the_document(backend):
    _store_original(backend, "OrigTaggedIndexed:1", {"name": "n", "tags": ["a", "b"]})
    _set_members.INLINE_WARNED.discard(OrigTaggedIndexed)
    with pytest.warns(UnmigratedSetWarning, match="OrigTaggedIndexed"):
        (found,) = await OrigTaggedIndexed.afind(OrigTaggedIndexed.name == "n")
    assert found.tags == {"a", "b"}
    batches = [m async for m in OrigTaggedIndexed.aiterator(OrigTaggedIndexed.name == "n")]
    assert [m.tags for m in batches] == [{"a", "b"}]
    assert backend.exists(_keys.special_key("OrigTaggedIndexed:1", "tags")) == 0


async def test_a_nested_model_load_reads_its_sets(backend):
    own = OrigTagged(name="own", inner=OrigTagInner(codes={5, 6}))
    await own.asave()
    _set_members.INLINE_WARNED.discard(OrigTagged)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert (await own.inner.aload()).codes == {5, 6}  # rapyer's own format
        async with own.inner.apipeline() as fresh:
            assert fresh.codes == {5, 6}
        assert not [w for w in caught if issubclass(w.category, UnmigratedSetWarning)]

    key = "OrigTagged:3"
    _store_original(backend, key, tagged_document_1_2_5())
    with pytest.warns(UnmigratedSetWarning):
        model = await OrigTagged.aget(key)
    _set_members.INLINE_WARNED.discard(OrigTagged)
    with pytest.warns(
        UnmigratedSetWarning, match="'inner.codes'.*migrate_original[(]OrigTagged[)]"
    ):
        assert (await model.inner.aload()).codes == {1, 2}
    assert backend.exists(_keys.special_key(key, "inner.codes")) == 0
