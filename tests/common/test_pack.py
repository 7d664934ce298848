"""The packer of rapyer's connections (``rapyer._pack``): redis-py's bytes and errors, big values
not copied, and only on the clients rapyer makes."""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import pytest
import redis
import redis.asyncio as aredis
from hypothesis import given
from hypothesis import strategies as st
from redis._parsers.encoders import Encoder
from redis.asyncio.connection import Connection as AsyncConnection
from redis.connection import Connection, PythonRespSerializer

import rapyer
from rapyer import _pack, _probe
from rapyer._binding import binding_of
from rapyer._io_sync import client as sync_client

CUTOFF = 6000  # redis-py's buffer cutoff


class Color(enum.IntEnum):
    RED = 1


class Text(str):
    pass


class Unknown:
    pass


def _ours(args: tuple[Any, ...], encoder: Encoder) -> Any:
    return _pack.FastPacker(CUTOFF, encoder).pack(*args)


def _outcome(pack: Any, args: tuple[Any, ...]) -> Any:
    """The bytes ``pack(*args)`` sends, or the error it raises (class and message)."""
    try:
        return b"".join(bytes(item) for item in pack(*args))
    except Exception as exc:  # noqa: BLE001 - the error itself is compared
        return (type(exc), str(exc))


names = st.sampled_from(["DEL", "JSON.MGET", "CONFIG GET", "json.set", b"GET", b"CLIENT LIST"])
values = st.one_of(
    st.text(),
    st.text(alphabet="ab é\r\n$*").map(lambda text: text * 700),  # past the cutoff
    st.binary(),
    st.binary(min_size=CUTOFF - 2, max_size=CUTOFF + 2),
    st.binary().map(bytearray),
    st.binary(max_size=CUTOFF * 2).map(memoryview),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.just(Color.RED),
    st.text().map(Text),
    st.just(Unknown()),
)
ENCODINGS = [("utf-8", "strict"), ("UTF8", "strict"), ("latin-1", "strict"), ("utf-8", "replace")]
encodings = st.sampled_from(ENCODINGS)


@given(names, st.lists(values, max_size=40), encodings)
def test_the_bytes_and_errors_are_redis_pys(name: Any, rest: list[Any], encoding: Any) -> None:
    encoder = Encoder(*encoding, decode_responses=True)
    args = (name, *rest)
    expected = _outcome(PythonRespSerializer(CUTOFF, encoder.encode).pack, args)
    assert _outcome(lambda *a: _ours(a, encoder), args) == expected


EVERY_KIND = (
    "té xt",
    "€",  # not in latin-1: redis-py's UnicodeEncodeError there
    b"by tes",
    bytearray(b"ba"),
    memoryview(b"mv"),
    -12,
    2**70,
    1.5,
    float("nan"),
    Color.RED,
    Text("sub é"),
    "é" * CUTOFF,
)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("bad", [None, True, Unknown(), ()])
def test_every_kind_of_argument_in_every_encoding(encoding: Any, bad: Any) -> None:
    """Each kind of argument (and a bad one: redis-py's DataError) in each encoding, always
    tried (hypothesis alone may miss a combination)."""
    encoder = Encoder(*encoding, decode_responses=True)
    for args in (("SET", *EVERY_KIND), ("SET", *EVERY_KIND[2:]), ("SET", "k", bad)):
        expected = _outcome(PythonRespSerializer(CUTOFF, encoder.encode).pack, args)
        assert _outcome(lambda *a: _ours(a, encoder), args) == expected


@given(names, st.lists(values, max_size=20))
def test_the_async_connections_pack_what_redis_pys_async_connection_packs(
    name: Any, rest: list[Any]
) -> None:
    stock = AsyncConnection()
    ours = _probe.probing_class(AsyncConnection)()
    commands = [(name, *rest), ("SET", "k", b"v" * (CUTOFF + 1)), (name, *rest)]
    assert _outcome(ours.pack_command, commands[0]) == _outcome(stock.pack_command, commands[0])
    expected = _outcome(lambda *cmds: stock.pack_commands(cmds), commands)
    assert _outcome(lambda *cmds: ours.pack_commands(cmds), commands) == expected


def test_a_float_command_name_raises_what_redis_pys_async_packer_raises() -> None:
    stock, ours = AsyncConnection(), _probe.probing_class(AsyncConnection)()
    assert _outcome(ours.pack_command, (1.5, "k")) == _outcome(stock.pack_command, (1.5, "k"))


def test_big_values_go_as_their_own_items_uncopied() -> None:
    big = b"x" * (CUTOFF + 1)
    view = memoryview(b"small")
    packed = _ours(("SET", "k", big, view, "v"), Encoder("utf-8", "strict", True))
    assert any(item is big for item in packed)
    assert any(item is view for item in packed)
    assert all(len(item) <= CUTOFF + 64 for item in packed if item is not big)


def test_a_small_command_is_one_item() -> None:
    packed = _ours(("DEL", *[f"k{i}" for i in range(1000)]), Encoder("utf-8", "strict", True))
    assert len(packed) == 1


def test_the_blocking_packer_keeps_a_given_packer_and_hiredis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cls = _pack.packing_class(Connection)
    assert cls.__name__ == Connection.__name__  # what _clients._sibling reads
    assert _pack.packing_class(cls) is cls
    assert isinstance(cls()._command_packer, _pack.FastPacker)
    given = PythonRespSerializer(CUTOFF, Encoder("utf-8", "strict", True).encode)
    assert cls(command_packer=given)._command_packer is given
    monkeypatch.setattr(_pack, "HIREDIS_AVAILABLE", True)
    assert not isinstance(cls()._command_packer, _pack.FastPacker)


def test_rapyer_makes_its_clients_with_the_packer_and_keeps_the_users(server_url: str) -> None:
    class PackedModel(rapyer.AtomicRedisModel):
        name: str = ""

    given = redis.Redis.from_url(server_url, decode_responses=True)
    try:
        rapyer.init_rapyer_sync(redis=server_url)
        made = sync_client(binding_of(PackedModel))
        assert issubclass(made.connection_pool.connection_class, _pack._PackBlocking)
        rapyer.teardown_rapyer_sync()
        rapyer.init_rapyer_sync(redis=given)
        assert sync_client(binding_of(PackedModel)) is given
        assert given.connection_pool.connection_class is Connection
    finally:
        rapyer.teardown_rapyer_sync()
        given.close()
    assert issubclass(_probe.probing_class(AsyncConnection), _pack.PackInOneJoin)


def test_commands_give_redis_pys_replies_on_a_real_server(server_url: str) -> None:
    keys = [f"pack:{i}" for i in range(2000)]
    big = "é" * (CUTOFF * 3)

    def commands(client: Any) -> list[Any]:
        client.mset(dict.fromkeys(keys, "v"))
        replies = [client.mget(keys)[-1], client.set("pack:big", big), client.get("pack:big")]
        pipe = client.pipeline(transaction=True)
        pipe.set("pack:n", 1).incrbyfloat("pack:n", 0.5).get("pack:n")
        replies.append(pipe.execute())
        replies.append(client.delete(*keys, "pack:big", "pack:n"))
        return replies

    stock = redis.Redis.from_url(server_url, decode_responses=True)
    ours = _pack.install_sync(redis.Redis.from_url(server_url, decode_responses=True))
    try:
        assert commands(ours) == commands(stock) == ["v", True, big, [True, 1.5, "1.5"], 2002]
    finally:
        stock.close()
        ours.close()

    async def async_commands() -> list[Any]:
        client = _probe.install(aredis.Redis.from_url(server_url, decode_responses=True))
        try:
            await client.mset(dict.fromkeys(keys, "v"))
            return [await client.get("pack:1999"), await client.delete(*keys)]
        finally:
            await client.aclose()

    assert asyncio.run(async_commands()) == ["v", 2000]
