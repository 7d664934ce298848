"""Index schema and query compiler properties (no I/O)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
import warnings
from typing import Annotated, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import Field

from rapyer import AtomicRedisModel, Index, RedisConfig
from rapyer._index import (
    TAG_SEPARATOR,
    create_index_args,
    indexed_fields,
    schema_hash,
    version_hash,
    version_name,
)
from rapyer._index_info import Attribute, missing_attributes, missing_fields, parse_info
from rapyer._query import Expression, FieldProxy, SortKey, compile_query, resolve_sort
from rapyer._registry import unregister
from rapyer._search import find_steps, parse_cursor, parse_search
from rapyer.errors import (
    BadFilterError,
    FindError,
    UnsupportedArgumentValueError,
    UnsupportedIndexedFieldError,
)
from tests.models import Color, Doc, Level, Member, Place, User

TAG = ["TAG", "CASESENSITIVE", "SEPARATOR", TAG_SEPARATOR, "INDEXEMPTY"]


# ---- schema ---------------------------------------------------------------------------------


def test_schema_of_every_kind():
    schema = Member.redis_schema()
    expected = [
        *["$.name", "AS", "name", *TAG],
        *["$.age", "AS", "age", "NUMERIC", "SORTABLE"],
        *["$.score", "AS", "score", "NUMERIC"],
        *["$.email", "AS", "email", *TAG, "$.email", "AS", "email__text", "TEXT"],
        *["$.bio", "AS", "bio", *TAG, "$.bio", "AS", "bio__text", "TEXT"],
        *["$.active", "AS", "active", "TAG"],
        *["$.nickname", "AS", "nickname", *TAG],
        *["$.rank", "AS", "rank", "NUMERIC"],
        *["$.joined", "AS", "joined", "NUMERIC"],
        *["$.birthday", "AS", "birthday", *TAG],
        *["$.color", "AS", "color", *TAG],
        *["$.level", "AS", "level", "NUMERIC"],
        *["$.ident", "AS", "ident", *TAG],
        *["$.kind", "AS", "kind", *TAG],
        *["$.home.city", "AS", "home.city", *TAG],
        *["$.home.floor", "AS", "home.floor", "NUMERIC"],
    ]
    assert schema == expected
    assert "note" not in indexed_fields(Member)


def test_create_index_command():
    args = create_index_args(Place)
    version = f"idx:Place:v{schema_hash(Place)}"
    assert args[:8] == ["FT.CREATE", version, "ON", "JSON", "PREFIX", 1, "Place:", "SCHEMA"]
    assert version_name(Place) == version
    assert "INDEXEMPTY" not in create_index_args(Place, index_empty=False)
    assert create_index_args(Place, name="other")[1] == "other"
    assert Place.index_name() == "idx:Place"
    assert User.redis_schema() == []


def test_schema_hash_is_stable_and_follows_the_schema():
    # The hash names the version in every process: it depends on the schema only.
    assert len(schema_hash(Place)) == 12
    assert schema_hash(Place) == schema_hash(Place)
    assert schema_hash(Place) != schema_hash(Member)

    class HashA(AtomicRedisModel):
        a: Annotated[str, Index()] = ""

    first = schema_hash(HashA)
    unregister(HashA)

    class HashA(AtomicRedisModel):  # type: ignore[no-redef]
        a: Annotated[str, Index()] = ""

    assert schema_hash(HashA) == first  # a redefinition with the same schema
    unregister(HashA)

    class HashA(AtomicRedisModel):  # type: ignore[no-redef]
        a: Annotated[str, Index()] = ""
        b: Annotated[int, Index()] = 0

    assert schema_hash(HashA) != first  # one more indexed field
    assert version_hash(HashA, version_name(HashA)) == schema_hash(HashA)
    assert version_hash(HashA, "idx:HashA") is None
    assert version_hash(HashA, "idx:Other:v" + schema_hash(HashA)) is None
    unregister(HashA)


@pytest.mark.parametrize(
    "annotation",
    [list[str], dict[str, int], decimal.Decimal, bytes, set[int], tuple[int, int], Place],
)
def test_unsupported_index_types_fail_at_class_definition(annotation):
    namespace = {
        "__module__": __name__,
        "__annotations__": {"value": Index[annotation]},
        "Meta": RedisConfig(init_with_rapyer=False),
    }
    with pytest.raises(UnsupportedIndexedFieldError) as info:
        type(AtomicRedisModel)("Bad", (AtomicRedisModel,), namespace)
    assert isinstance(info.value, FindError)


def test_full_text_needs_a_string():
    with pytest.raises(UnsupportedIndexedFieldError):

        class BadText(AtomicRedisModel):  # noqa: F841
            value: Annotated[int, Index(full_text=True)] = 0


def test_indexed_datetime_is_stored_as_epoch():
    when = dt.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=dt.timezone.utc)
    member = Member(name="a", joined=when)
    stored = json.loads(member.redis_dump_json())
    assert stored["joined"] == when.timestamp()
    assert stored["birthday"] == "2000-01-01"
    # loaded back as a naive UTC datetime (rapyer.types.RedisDatetimeTimestamp)
    loaded = Member.model_validate_json(member.redis_dump_json()).joined
    assert loaded == when.replace(tzinfo=None)
    # a naive datetime is taken as UTC
    naive = Member(name="a", joined=dt.datetime(2024, 1, 1))
    assert json.loads(naive.redis_dump_json())["joined"] == 1704067200.0
    # an Optional datetime keeps null, and is an epoch too when set
    assert json.loads(Doc().redis_dump_json())["when"] is None
    assert json.loads(Doc(when=when).redis_dump_json())["when"] == when.timestamp()


# ---- proxies --------------------------------------------------------------------------------


def test_class_attributes_are_proxies_and_instances_are_not():
    assert isinstance(Member.age, FieldProxy)
    assert isinstance(Member.home.city, FieldProxy)
    assert Member.home.city.name == "home.city"
    member = Member(name="x", age=3)
    assert member.age == 3 and member.home.city == "nowhere"
    with pytest.raises(AttributeError):
        _ = Member.no_such_field
    with pytest.raises(AttributeError):
        _ = Member.age.deeper


def test_subclass_redefining_a_field_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        class Sub(Place):  # noqa: F841
            Meta = RedisConfig(init_with_rapyer=False)
            city: Index[str] = "x"
            extra: int = 0

    assert isinstance(Sub.city, FieldProxy)
    assert Sub().city == "x"
    assert Sub.model_fields["city"].default == "x"


def test_bad_filters():
    with pytest.raises(BadFilterError):
        _ = Member.note == "x"  # not indexed
    with pytest.raises(BadFilterError):
        _ = Member.name > "a"  # range on TAG
    with pytest.raises(BadFilterError):
        _ = Member.birthday > dt.date(2000, 1, 1)
    with pytest.raises(BadFilterError):
        Member.name.startswith("a")  # too short
    with pytest.raises(BadFilterError):
        Member.age.startswith("ab")
    with pytest.raises(BadFilterError):
        Member.name.match("hello")  # no full_text
    with pytest.raises(BadFilterError):
        _ = Member.age == "not a number"
    with pytest.raises(BadFilterError):
        _ = Member.name == 5
    with pytest.raises(BadFilterError):
        _ = Member.color == "green"
    with pytest.raises(BadFilterError):
        _ = Member.age < None
    with pytest.raises(BadFilterError):
        compile_query(Member, [Member.age])  # bare proxy
    with pytest.raises(BadFilterError):
        compile_query(Member, ["age > 3"])
    with pytest.raises(BadFilterError):
        compile_query(Member, [Doc.n > 3])  # another model's field
    with pytest.raises(BadFilterError):
        bool(Member.age > 3)  # chained comparisons / `and`
    with pytest.raises(BadFilterError):
        _ = (Member.age > 3) & Member.age


def test_values_go_through_the_field_adapter():
    assert (Member.color == Color.BLUE).values == ("blue",)
    assert (Member.color == "blue").values == ("blue",)
    assert (Member.level == Level.HIGH).values == (2,)
    ident = uuid.uuid4()
    assert (Member.ident == ident).values == (str(ident),)
    when = dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)
    assert (Member.joined >= when).values == (when.timestamp(),)
    assert (Member.birthday == dt.date(2001, 2, 3)).values == ("2001-02-03",)
    assert (Member.active == True).values == (True,)  # noqa: E712


def test_compiled_forms():
    q = compile_query(Member, [Member.age > 3])
    assert q.text == "@age:[($p0 +inf]" and q.params == {"p0": "3"}
    assert compile_query(Member, [Member.age <= 3.5]).text == "@age:[-inf $p0]"
    q = compile_query(Member, [Member.home.city == "Paris"])
    assert q.text == "@home\\.city:{$p0}" and q.params == {"p0": "Paris"}
    assert compile_query(Member, [Member.name != "a"]).text == "-@name:{$p0}"
    assert compile_query(Member, [Member.name.startswith("ab")]).text == "@name:{$p0*}"
    assert compile_query(Member, [Member.rank == None]).text == "-@rank:[-inf +inf]"  # noqa: E711
    assert compile_query(Member, [Member.nickname != None]).text == "@nickname:{w'*'}"  # noqa: E711
    assert compile_query(Member, [Member.nickname.is_missing()]).text == "-@nickname:{w'*'}"
    q = compile_query(Member, [Member.name.in_(["a", "b", "a"])])
    assert q.text == "@name:{$p0 | $p1}" and q.params == {"p0": "a", "p1": "b"}
    assert compile_query(Member, [Member.age.in_([1, 2])]).text == "@age:[$p0 $p0] | @age:[$p1 $p1]"
    assert (
        compile_query(Member, [Member.bio.match("Hello, wörld!")]).text
        == "@bio__text:(Hello wörld)"
    )
    assert compile_query(Member, [Member.active == False]).params == {"p0": "false"}  # noqa: E712
    q = compile_query(Member, [(Member.age > 1) | ~(Member.name == "x"), Member.score < 2])
    assert q.text == "((@age:[($p0 +inf]) | (-@name:{$p1})) (@score:[-inf ($p2])"
    assert compile_query(Member, []).text == "*"
    assert compile_query(Member, []).params_args() == []


def test_float_equality_allows_a_few_ulps():
    q = compile_query(Member, [Member.score == 0.1])
    assert q.text == "@score:[$p0 $p1]"
    low, high = float(q.params["p0"]), float(q.params["p1"])
    assert low < 0.1 < high and high - low < 1e-16
    assert compile_query(Member, [Member.score > 0.1]).text == "@score:[($p0 +inf]"
    assert float(compile_query(Member, [Member.score > 0.1]).params["p0"]) == high
    assert float(compile_query(Member, [Member.score >= 0.1]).params["p0"]) == low
    assert compile_query(Member, [Member.age == 3]).params == {"p0": "3"}


def test_negations_are_pushed_down_to_conditions():
    def text(expr):
        return compile_query(Member, [expr]).text

    assert text(~~(Member.nickname != None)) == "@nickname:{w'*'}"  # noqa: E711
    assert text(~(Member.rank == None)) == "@rank:[-inf +inf]"  # noqa: E711
    assert text(~((Member.age > 1) & (Member.name == "a"))) == (
        "(-@age:[($p0 +inf]) | (-@name:{$p1})"
    )
    assert text(~((Member.age > 1) | ~(Member.name != "a"))) == (
        "(-@age:[($p0 +inf]) (-@name:{$p1})"
    )
    assert text(~Member.age.in_([1, 2])) == "-@age:[$p0 $p0] -@age:[$p1 $p1]"
    assert text(~Member.name.in_(["a", "b"])) == "-@name:{$p0 | $p1}"
    assert text(~Member.bio.match("red green")) == "-@bio__text:(red) | -@bio__text:(green)"
    assert text(~Member.name.in_([])) == "(@name:{$p0} | -@name:{$p0})"
    assert text(~Member.age.in_([])) == "-@age:[($p0 $p0]"
    assert text(~(Member.name != "a")) == "@name:{$p0}"
    assert text(~Member.name.startswith("ab")) == "-@name:{$p0*}"


def test_empty_in_matches_nothing_by_construction():
    q = compile_query(Member, [Member.name.in_([])])
    assert q.text == "(@name:{$p0} -@name:{$p0})"
    assert compile_query(Member, [Member.age.in_([])]).text == "@age:[($p0 $p0]"


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1).filter(
        lambda s: TAG_SEPARATOR not in s and s.strip(" \t\n\r\v\f")
    )
)
def test_values_never_enter_the_query_text(value):
    q = compile_query(Member, [Member.name == value, Member.home.city.in_([value, "x"])])
    assert q.text == "(@name:{$p0}) (@home\\.city:{$p1 | $p2})"
    assert q.params["p0"] == value.strip(" \t\n\r\v\f").replace("\\", "\\\\")
    args = q.params_args()
    assert args[:2] == ["PARAMS", 6]


def test_sort_keys():
    assert resolve_sort(Member, None) is None
    key = resolve_sort(Member, "-age")
    assert isinstance(key, SortKey) and key.descending and key.field.name == "age"
    assert not resolve_sort(Member, "age").descending
    assert resolve_sort(Member, Member.age).field.name == "age"
    assert resolve_sort(Member, Member.home.floor.desc()).args() == ["SORTBY", "home.floor", "DESC"]
    assert resolve_sort(Member, "home.city").field.name == "home.city"
    for bad in ("nope", "note", "-note", 3, Doc.n.asc()):
        with pytest.raises(UnsupportedArgumentValueError):
            resolve_sort(Member, bad)
    with pytest.raises(BadFilterError):
        Member.note.asc()


def test_find_steps():
    assert find_steps(None, 0, None) == ["LOAD", 2, "@__key", "$"]
    assert find_steps(None, 5, 10) == ["LOAD", 2, "@__key", "$", "LIMIT", 5, 10]
    steps = find_steps(resolve_sort(Member, "-age"), 2, 3)
    assert steps == [
        *["LOAD", 2, "@__key", "@age", "SORTBY", 4, "@age", "DESC", "@__key", "ASC"],
        *["MAX", 5, "LIMIT", 2, 3, "LOAD", 1, "$"],
    ]


def test_reply_parsers_accept_resp2_and_resp3():
    resp3 = {
        "total_results": 2,
        "results": [
            {"id": "D:1", "extra_attributes": {"$": '{"a":1}'}, "values": []},
            {"id": "D:2", "extra_attributes": {}, "values": []},
        ],
    }
    assert parse_search(resp3) == (2, [("D:1", '{"a":1}'), ("D:2", None)])
    resp2 = [3, "D:1", ["$", '{"a":1}'], "D:2", None, "D:3", ["$", "{}"]]
    assert parse_search(resp2) == (3, [("D:1", '{"a":1}'), ("D:2", None), ("D:3", "{}")])
    assert parse_search([2, "D:1", "D:2"]) == (2, [("D:1", None), ("D:2", None)])
    assert parse_search({"total_results": 7, "results": []}) == (7, [])
    agg3 = [{"total_results": 1, "results": [{"extra_attributes": {"__key": "D:1"}}]}, 42]
    assert parse_cursor(agg3) == ([{"__key": "D:1"}], 42)
    agg2 = [[1, ["__key", "D:1", "$", "{}"], ["__key", b"D:2"]], 0]
    assert parse_cursor(agg2) == ([{"__key": "D:1", "$": "{}"}, {"__key": "D:2"}], 0)


def test_expression_is_the_public_base():
    assert isinstance(Member.age > 1, Expression)
    assert isinstance((Member.age > 1) & (Member.age < 5), Expression)
    assert isinstance(Member.name.in_(["a"]) | Member.name.startswith("ab"), Expression)


def test_optional_nested_models_are_indexed():
    class Outer(AtomicRedisModel):
        Meta = RedisConfig(init_with_rapyer=False)
        place: Optional[Place] = None
        places: list[Place] = Field(default_factory=list)  # lists are not indexed

    fields = indexed_fields(Outer)
    assert set(fields) == {"place.city", "place.floor"}
    assert fields["place.city"].optional
    assert fields["place.city"].json_path == "$.place.city"


# FT.INFO replies of the bundled server, trimmed: RESP2 (flags as bare words) and RESP3.
_INFO_RESP2 = [
    "index_name", "idx:P:v1", "index_options", [],
    "attributes", [
        ["identifier", "$.city", "attribute", "city", "type", "TAG", "SEPARATOR", "\x1f",
         "CASESENSITIVE", "SORTABLE", "UNF", "INDEXEMPTY"],
        ["identifier", "$.city", "attribute", "city__text", "type", "TEXT", "WEIGHT", "1"],
        ["identifier", "$.n", "attribute", "n", "type", "NUMERIC", "SORTABLE", "UNF"],
    ],
    "num_docs", "7", "indexing", "1", "percent_indexed", "0.25",
    "cursor_stats", ["global_idle", 0, "global_total", 2, "index_capacity", 128, "index_total", 2],
]  # fmt: skip
_INFO_RESP3 = {
    "index_name": "idx:P",
    "attributes": [
        {"identifier": "$.city", "attribute": "city", "type": "TAG", "SEPARATOR": "",
         "flags": []},
        {"identifier": "$.n", "attribute": "n", "type": "NUMERIC", "flags": []},
    ],
    "num_docs": 3, "indexing": 0, "percent_indexed": 1.0,
    "cursor_stats": {"global_idle": 0, "global_total": 0, "index_capacity": 128, "index_total": 0},
}  # fmt: skip


def test_parse_info_of_both_protocols():
    two = parse_info(_INFO_RESP2)
    assert (two.name, two.num_docs, two.indexing, two.complete) == ("idx:P:v1", 7, True, False)
    assert (two.percent_indexed, two.open_cursors) == (0.25, 2)
    assert two.attributes["city"] == Attribute("$.city", "TAG", True)
    assert two.attributes["city__text"] == Attribute("$.city", "TEXT", False)
    assert two.attributes["n"] == Attribute("$.n", "NUMERIC", False)
    three = parse_info(_INFO_RESP3)
    assert (three.name, three.num_docs, three.complete, three.open_cursors) == ("idx:P", 3, True, 0)
    assert three.attributes["city"] == Attribute("$.city", "TAG", False)


def test_missing_attributes_name_the_fields():
    class CoverA(AtomicRedisModel):
        city: Annotated[str, Index(full_text=True)] = ""
        n: Annotated[int, Index()] = 0
        flag: Annotated[bool, Index()] = False

    try:
        assert missing_fields(CoverA, parse_info(_INFO_RESP2)) == ("flag",)
        missing = missing_attributes(CoverA, parse_info(_INFO_RESP3))
        # city is not CASESENSITIVE there, its TEXT attribute is missing, flag is missing
        assert set(missing) == {"city", "city__text", "flag"}
        assert missing["city__text"][0] == "city"
        assert "CoverA" not in missing["city"][1] and "idx:P" in missing["city"][1]
    finally:
        unregister(CoverA)


def test_compiled_queries_name_their_attributes():
    query = compile_query(Member, [(Member.age > 1) | ~Member.bio.match("tea"), Member.name == "x"])
    assert query.attributes == {"age", "bio__text", "name"}
    assert compile_query(Member, []).attributes == frozenset()
