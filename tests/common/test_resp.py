"""The async reply parser of rapyer's connections (``rapyer._reply_parser``, ``rapyer._resp``):
redis-py's values and errors for every RESP3 type, whatever pieces the bytes arrive in."""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import threading
import types
from typing import Any

import pytest
import redis
import redis.asyncio as aredis
from hypothesis import given
from hypothesis import strategies as st
from redis._parsers import _AsyncRESP3Parser, _RESP3Parser
from redis._parsers.encoders import Encoder
from redis.asyncio.connection import Connection as AsyncConnection
from redis.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from rapyer import _pack, _probe
from rapyer._reply_parser import AsyncReplyParser, ReplyParser
from rapyer._resp import ReplyReader

CRLF = b"\r\n"


def _line(kind: bytes, text: bytes) -> bytes:
    return kind + text + CRLF


def _sized(kind: bytes, data: bytes) -> bytes:
    return kind + str(len(data)).encode() + CRLF + data + CRLF


line_text = st.binary().map(lambda data: data.replace(b"\r", b"").replace(b"\n", b""))
error_text = st.sampled_from(
    [b"ERR bad", b"WRONGTYPE Operation", b"NOSCRIPT x", b"LOADING y", b"READONLY z", b"oops"]
)
doubles = st.floats(allow_nan=True).map(
    lambda x: (
        b"nan"
        if math.isnan(x)
        else (b"inf" if x > 0 else b"-inf")
        if math.isinf(x)
        else repr(x).encode()
    )
)
keys = st.one_of(
    line_text.map(lambda text: _line(b"+", text)),
    st.binary().map(lambda data: _sized(b"$", data)),
    st.integers().map(lambda n: _line(b":", str(n).encode())),
)
leaves = st.one_of(
    keys,
    error_text.map(lambda text: _line(b"-", text)),
    error_text.map(lambda text: _sized(b"!", text)),
    st.integers(min_value=-(2**70), max_value=2**70).map(lambda n: _line(b"(", str(n).encode())),
    doubles.map(lambda text: _line(b",", text)),
    st.sampled_from([b"#t\r\n", b"#f\r\n", b"_\r\n"]),
    st.binary().map(lambda data: _sized(b"=", b"txt:" + data)),
    st.binary(min_size=1, max_size=3).map(lambda data: _sized(b"$", data * 30_000)),  # > a read
)


def _aggregate(children: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    def array(kind: bytes) -> st.SearchStrategy[bytes]:
        return st.lists(children, max_size=6).map(
            lambda items: kind + str(len(items)).encode() + CRLF + b"".join(items)
        )

    pairs = st.lists(st.tuples(keys, children), max_size=4)
    a_map = pairs.map(
        lambda items: b"%" + str(len(items)).encode() + CRLF + b"".join(k + v for k, v in items)
    )
    return st.one_of(array(b"*"), array(b"~"), a_map)


replies = st.recursive(leaves, _aggregate, max_leaves=30)


def _plain(value: Any) -> Any:
    """``value`` comparable with ``==``: errors as (class, text), NaN as a marker."""
    if isinstance(value, BaseException):
        return (type(value), str(value))
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value


async def _read_all(
    parser_class: type,
    data: bytes,
    cuts: list[int],
    count: int,
    encoder: Encoder,
    disable_decoding: bool = False,
) -> list[Any]:
    """The ``count`` replies a parser reads from ``data`` delivered in pieces cut at ``cuts``
    (one piece per turn of the event loop), or the error it raises."""
    stream = asyncio.StreamReader()
    parser = parser_class(socket_read_size=65536)
    parser.on_connect(types.SimpleNamespace(_reader=stream, encoder=encoder))
    bounds = [0, *sorted({cut % (len(data) + 1) for cut in cuts}), len(data)]

    async def deliver() -> None:
        for start, stop in zip(bounds, bounds[1:], strict=False):
            stream.feed_data(data[start:stop])
            await asyncio.sleep(0)
        stream.feed_eof()

    feeder = asyncio.ensure_future(deliver())
    out: list[Any] = []
    try:
        for _ in range(count):
            out.append(_plain(await parser.read_response(disable_decoding=disable_decoding)))
    except Exception as exc:  # noqa: BLE001 - compared with redis-py's
        out.append(_plain(exc))
    await feeder
    return out


def _both(data: bytes, cuts: list[int], count: int, encoder: Encoder, raw: bool = False) -> Any:
    async def main() -> Any:
        expected = await _read_all(_AsyncRESP3Parser, data, cuts, count, encoder, raw)
        got = await _read_all(AsyncReplyParser, data, cuts, count, encoder, raw)
        return expected, got

    return asyncio.run(main())


ENCODERS = [
    Encoder("utf-8", "strict", True),
    Encoder("utf-8", "replace", True),
    Encoder("latin-1", "strict", True),
    Encoder("utf-8", "strict", False),
]


@given(
    st.lists(replies, min_size=1, max_size=4),
    st.lists(st.integers(min_value=0), max_size=8),
    st.sampled_from(ENCODERS),
    st.booleans(),
)
def test_replies_in_any_pieces_parse_as_redis_py_parses_them(
    items: list[bytes], cuts: list[int], encoder: Encoder, raw: bool
) -> None:
    expected, got = _both(b"".join(items), cuts, len(items), encoder, raw)
    assert got == expected


def _read_all_blocking(
    parser_class: type, data: bytes, read_size: int, count: int, encoder: Encoder, raw: bool
) -> list[Any]:
    """The ``count`` replies a blocking parser reads from a socket holding ``data`` (then EOF),
    ``read_size`` bytes per read at most, or the error it raises."""
    ours, theirs = socket.socketpair()

    def send() -> None:  # in a thread: more than the socket holds waits for the reads
        with contextlib.suppress(OSError):  # the parser stopped at an error: nobody reads
            theirs.sendall(data)
            theirs.shutdown(socket.SHUT_WR)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        parser = parser_class(socket_read_size=read_size)
        parser.on_connect(types.SimpleNamespace(_sock=ours, socket_timeout=5.0, encoder=encoder))
        out: list[Any] = []
        try:
            for _ in range(count):
                out.append(_plain(parser.read_response(disable_decoding=raw)))
        except Exception as exc:  # noqa: BLE001 - compared with redis-py's
            out.append(_plain(exc))
        parser.on_disconnect()
        ours.close()  # a sender still writing (the parser stopped at an error) fails and ends
        sender.join(10)
        return out
    finally:
        ours.close()
        theirs.close()


@given(
    st.lists(replies, min_size=1, max_size=4),
    st.integers(min_value=1, max_value=200),
    st.sampled_from(ENCODERS),
    st.booleans(),
)
def test_the_blocking_parser_reads_what_redis_pys_reads(
    items: list[bytes], read_size: int, encoder: Encoder, raw: bool
) -> None:
    data = b"".join(items)
    expected = _read_all_blocking(_RESP3Parser, data, read_size, len(items), encoder, raw)
    assert _read_all_blocking(ReplyParser, data, read_size, len(items), encoder, raw) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"*2\r\n$3\r\nabc\r\n",  # the stream ends inside a reply
        b"$5\r\nab",
        b"?what\r\n",  # an unknown type
        b"\r\n",
        b"-LOADING the dataset\r\n",  # an error redis-py raises at once
        b"*3\r\n:1\r\n-LOADING x\r\n:2\r\n",
        b"*1\r\n>1\r\n+x\r\n",  # a push inside a reply
    ],
)
def test_broken_replies_raise_what_redis_py_raises(data: bytes) -> None:
    encoder = Encoder("utf-8", "strict", True)
    expected, got = _both(data, [1, 5], 1, encoder)
    blocking_expected = _read_all_blocking(_RESP3Parser, data, 3, 1, encoder, False)
    blocking = _read_all_blocking(ReplyParser, data, 3, 1, encoder, False)
    if data.startswith(b"*1\r\n>"):  # redis-py parses it as a push; rapyer refuses it
        assert got[0][1].startswith("Protocol Error: push inside a reply")
        assert blocking[0][1].startswith("Protocol Error: push inside a reply")
        return
    assert got == expected
    assert blocking == blocking_expected
    assert isinstance(got[0], tuple) and issubclass(got[0][0], Exception)


def test_a_push_message_goes_to_redis_pys_parser_and_the_bytes_after_stay() -> None:
    push = b">3\r\n+invalidate\r\n*1\r\n$1\r\nk\r\n$1\r\nx\r\n"
    data = push + b"+OK\r\n" + b"*2\r\n:1\r\n:2\r\n"
    encoder = Encoder("utf-8", "strict", True)
    expected, got = _both(data, [3, 30], 2, encoder)
    assert got == expected == ["OK", [1, 2]]
    for read_size in (5, 65536):
        assert _read_all_blocking(ReplyParser, data, read_size, 2, encoder, False) == got


def test_a_read_cancelled_by_a_timeout_resumes_where_it_stopped() -> None:
    async def main(parser_class: type) -> Any:
        stream = asyncio.StreamReader()
        parser = parser_class(socket_read_size=65536)
        parser.on_connect(
            types.SimpleNamespace(_reader=stream, encoder=Encoder("utf-8", "strict", True))
        )
        stream.feed_data(b"*3\r\n$3\r\nabc\r\n$4\r\nde")
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(parser.read_response(), 0.05)
        assert await parser.can_read()
        stream.feed_data(b"fg\r\n:7\r\n+next\r\n")
        out = [await parser.read_response(), await parser.can_read(), await parser.read_response()]
        if isinstance(parser, AsyncReplyParser):  # nothing after the replies: the bytes are let go
            assert parser._rapyer_reader.buffer == b""
        return out

    assert asyncio.run(main(AsyncReplyParser)) == asyncio.run(main(_AsyncRESP3Parser))
    assert asyncio.run(main(AsyncReplyParser)) == [["abc", "defg", 7], True, "next"]


def test_a_blocking_read_stopped_by_a_timeout_resumes_where_it_stopped() -> None:
    def main(parser_class: type) -> Any:
        ours, theirs = socket.socketpair()
        encoder = Encoder("utf-8", "strict", True)
        parser = parser_class(socket_read_size=65536)
        parser.on_connect(types.SimpleNamespace(_sock=ours, socket_timeout=5.0, encoder=encoder))
        try:
            theirs.sendall(b"*3\r\n$3\r\nabc\r\n$4\r\nde")
            with pytest.raises(redis.exceptions.TimeoutError):
                parser.read_response(timeout=0.05)
            theirs.sendall(b"fg\r\n:7\r\n+next\r\n")
            return [parser.read_response(), parser.can_read(), parser.read_response()]
        finally:
            parser.on_disconnect()
            ours.close()
            theirs.close()

    assert main(ReplyParser) == main(_RESP3Parser) == [["abc", "defg", 7], True, "next"]


def test_rapyer_connections_parse_with_it_and_keep_other_parsers() -> None:
    ours = _probe.probing_class(AsyncConnection)
    assert isinstance(ours()._parser, AsyncReplyParser)
    assert not isinstance(ours(protocol=2)._parser, AsyncReplyParser)
    assert not isinstance(AsyncConnection()._parser, AsyncReplyParser)
    blocking = _pack.packing_class(Connection)
    assert isinstance(blocking()._parser, ReplyParser)
    assert not isinstance(blocking(protocol=2)._parser, ReplyParser)
    assert not isinstance(Connection()._parser, ReplyParser)


def test_a_real_server_gives_redis_pys_replies(server_url: str) -> None:
    async def commands(client: Any) -> list[Any]:
        keys = [f"resp:{i}" for i in range(1500)]
        await client.mset({key: f"value {key} é" for key in keys})
        big = "x" * (3 << 20)
        out: list[Any] = [await client.mget(keys), await client.set("resp:big", big)]
        out.append(len(await client.get("resp:big")))
        await client.hset("resp:h", mapping={"a": "1", "b": "2"})
        await client.sadd("resp:s", "a", "b")
        out += [await client.hgetall("resp:h"), sorted(await client.smembers("resp:s"))]
        out.append(await client.execute_command("SCAN", 0, "MATCH", "resp:*", "COUNT", 5000))
        try:
            await client.lpush("resp:h", "x")
        except ResponseError as exc:
            out.append((type(exc), str(exc)))
        async with client.pipeline(transaction=True) as pipe:
            pipe.incr("resp:n").lpush("resp:h", "x").incrbyfloat("resp:n", 0.5).get("resp:0")
            out.append(_plain(await pipe.execute(raise_on_error=False)))
        out.append(await client.delete(*keys, "resp:big", "resp:h", "resp:s", "resp:n"))
        return out

    async def main() -> tuple[Any, Any]:
        stock = aredis.Redis.from_url(server_url, decode_responses=True)
        ours = _probe.install(aredis.Redis.from_url(server_url, decode_responses=True))
        try:
            expected = await commands(stock)
            got = await commands(ours)
            conn = await ours.connection_pool.get_connection()
            assert isinstance(conn._parser, AsyncReplyParser)
            await ours.connection_pool.release(conn)
            return expected, got
        finally:
            await stock.aclose()
            await ours.aclose()

    expected, got = asyncio.run(main())
    assert got == expected
    assert got[-1] == 1504 and got[3] == {"a": "1", "b": "2"}


def test_a_real_server_gives_redis_pys_replies_blocking(server_url: str) -> None:
    def commands(client: Any) -> list[Any]:
        keys = [f"resp:b:{i}" for i in range(1500)]
        client.mset({key: f"value {key} é" for key in keys})
        out: list[Any] = [client.mget(keys), client.set("resp:b:big", "x" * (3 << 20))]
        out.append(len(client.get("resp:b:big")))
        client.hset("resp:b:h", mapping={"a": "1", "b": "2"})
        out.append(client.hgetall("resp:b:h"))
        out.append(client.execute_command("SCAN", 0, "MATCH", "resp:b:*", "COUNT", 5000))
        with pytest.raises(ResponseError) as caught:
            client.lpush("resp:b:h", "x")
        out.append(str(caught.value))
        pipe = client.pipeline(transaction=True)
        pipe.incr("resp:b:n").lpush("resp:b:h", "x").get("resp:b:0")
        out.append(_plain(pipe.execute(raise_on_error=False)))
        out.append(client.delete(*keys, "resp:b:big", "resp:b:h", "resp:b:n"))
        return out

    stock = redis.Redis.from_url(server_url, decode_responses=True)
    ours = _pack.install_sync(redis.Redis.from_url(server_url, decode_responses=True))
    try:
        expected = commands(stock)
        got = commands(ours)
        connection = ours.connection_pool.get_connection()
        assert isinstance(connection._parser, ReplyParser)
        ours.connection_pool.release(connection)
    finally:
        stock.close()
        ours.close()
    assert got == expected
    assert got[-1] == 1503 and got[3] == {"a": "1", "b": "2"}


def test_errors_of_a_real_server_are_redis_pys(server_url: str) -> None:
    async def main() -> None:
        ours = _probe.install(aredis.Redis.from_url(server_url, decode_responses=True))
        try:
            with pytest.raises(ResponseError, match="unknown command"):
                await ours.execute_command("NO.SUCH.COMMAND")
            assert await ours.ping() is True
        finally:
            await ours.aclose()

    asyncio.run(main())


def test_a_reply_that_raises_leaves_the_reader_cleared() -> None:
    reader = ReplyReader()
    reader.feed(b"*2\r\n:1\r\n-LOADING the dataset\r\n+OK\r\n")
    with pytest.raises(RedisConnectionError):
        reader.parse(None, _RESP3Parser.parse_error)
    assert (reader.buffer, reader.pos, reader.need, reader.stack) == (b"", 0, 0, [])
    reader.feed(b"+OK\r\n")
    assert reader.parse(None, _RESP3Parser.parse_error) == b"OK"


def _can_read_outcomes(parser_class: type) -> list[Any]:
    """``can_read()`` of a blocking parser on a quiet socket, with bytes pending, again with
    them in the socket buffer, after reading them, and with the peer gone (or its error)."""
    ours, theirs = socket.socketpair()
    parser = parser_class(socket_read_size=65536)
    parser.on_connect(
        types.SimpleNamespace(
            _sock=ours, socket_timeout=5.0, encoder=Encoder("utf-8", "strict", True)
        )
    )
    out: list[Any] = [parser.can_read()]
    theirs.sendall(b"+OK\r\n")
    out += [parser.can_read(), parser.can_read(), parser.read_response(), parser.can_read()]
    theirs.close()
    try:
        out.append(parser.can_read())
    except Exception as exc:  # noqa: BLE001 - compared with redis-py's
        out.append(_plain(exc))
    parser.on_disconnect()
    ours.close()
    return out


def test_can_read_answers_what_redis_pys_parser_answers() -> None:
    expected = _can_read_outcomes(_RESP3Parser)
    assert _can_read_outcomes(ReplyParser) == expected
    assert expected[:5] == [False, True, True, "OK", False]
    assert expected[5][0] is RedisConnectionError  # the peer closed the socket


def test_can_read_of_a_quiet_connection_polls_without_a_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ours, theirs = socket.socketpair()
    parser = ReplyParser(socket_read_size=65536)
    parser.on_connect(
        types.SimpleNamespace(
            _sock=ours, socket_timeout=5.0, encoder=Encoder("utf-8", "strict", True)
        )
    )
    reads: list[Any] = []
    original = type(parser._buffer)._read_from_socket
    monkeypatch.setattr(
        type(parser._buffer),
        "_read_from_socket",
        lambda self, *a, **k: reads.append(a) or original(self, *a, **k),
    )
    try:
        assert parser.can_read() is False
        assert reads == []  # the fast path: one poll, no recv
        theirs.sendall(b":1\r\n")
        assert parser.can_read() is True
        assert reads  # bytes: redis-py's own check
    finally:
        parser.on_disconnect()
        ours.close()
        theirs.close()
