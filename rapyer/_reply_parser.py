"""The RESP3 parsers of rapyer's connections: redis-py's, with each reply parsed by
``rapyer._resp.ReplyReader`` from the bytes already received.

redis-py's async parser awaits the stream for every line and every bulk string of a reply, and
its blocking parser reads each of them from its socket buffer with a recursive call. These take
whatever was received at once (``StreamReader.read``, or the socket buffer's bytes; for the
rest of a bulk string whose size is known, exactly that many bytes) and parse it in one loop.
Measured on the development machine: see ``docs/guide/performance.md``.

Everything else is redis-py's: the connection's errors and timeouts (a read stopped by a
timeout resumes where it stopped), ``can_read`` (bytes left after a reply count as pending
data), and push messages (``>``), which go to redis-py's own parser with the bytes received so
far. Only RESP3 connections without hiredis use them (``ParseFromBuffer``).
"""

from __future__ import annotations

import asyncio
import select
import ssl
from collections.abc import Callable
from typing import Any

from redis._parsers import _AsyncRESP3Parser, _RESP3Parser
from redis._parsers import socket as _socket_buffer
from redis._parsers.socket import SERVER_CLOSED_CONNECTION_ERROR
from redis.exceptions import ConnectionError as RedisConnectionError

from rapyer._resp import INCOMPLETE, PUSH, ReplyReader, is_strict_utf8

__all__ = ["AsyncReplyParser", "ParseFromBuffer", "ReplyParser"]

# "No timeout given" of redis-py's socket buffer (its own object before redis-py 7, the one of
# ``redis.utils`` since): what its reads compare a timeout with.
SENTINEL: Any = getattr(_socket_buffer, "SENTINEL")  # noqa: B009 - not re-exported for mypy

# What one read takes from the stream at most (it returns what the stream holds, at once).
_READ_SIZE = 1 << 20


def decoder(encoder: Any) -> Callable[[bytes], Any] | None:
    """What redis-py's ``encoder.decode`` does to the bytes of a reply (``None``: nothing)."""
    if not encoder.decode_responses:
        return None
    if is_strict_utf8(encoder):
        return bytes.decode  # fast path: the default arguments, no closure call
    encoding, errors = encoder.encoding, encoder.encoding_errors
    return lambda data: data.decode(encoding, errors)


class AsyncReplyParser(_AsyncRESP3Parser):
    """redis-py's async RESP3 parser, reading replies with a ``ReplyReader``."""

    def __init__(self, socket_read_size: int) -> None:
        super().__init__(socket_read_size)  # type: ignore[no-untyped-call]
        self._rapyer_reader = ReplyReader()
        self._rapyer_decode: Callable[[bytes], Any] | None = None

    def on_connect(self, connection: Any) -> None:
        super().on_connect(connection)  # type: ignore[no-untyped-call]
        self._rapyer_decode = decoder(self.encoder)

    def _clear(self) -> None:
        super()._clear()  # type: ignore[no-untyped-call]
        self._rapyer_reader.clear()

    async def can_read(self) -> bool:
        return self._rapyer_reader.pending or bool(await super().can_read())

    async def can_read_destructive(self) -> bool:
        # what redis-py before 8.0 asks (8.0 deprecates it for ``can_read``)
        return self._rapyer_reader.pending or bool(await super().can_read_destructive())

    async def read_response(
        self, disable_decoding: bool = False, push_request: bool = False
    ) -> Any:
        if not self._stream or not self.encoder:
            raise RedisConnectionError(SERVER_CLOSED_CONNECTION_ERROR)
        reader = self._rapyer_reader
        decode = None if disable_decoding else self._rapyer_decode
        parse_error = self.parse_error
        stream = self._stream
        while True:
            reply = reader.parse(decode, parse_error)  # cleared when it raises
            if reply is PUSH:
                return await self._push(disable_decoding, push_request)
            if reply is not INCOMPLETE:
                return reply
            # a cancelled read (a timeout) leaves the reader as it was: the next call resumes
            if reader.need:
                try:
                    data = await stream.readexactly(reader.need)
                except asyncio.IncompleteReadError as error:
                    reader.clear()
                    raise RedisConnectionError(SERVER_CLOSED_CONNECTION_ERROR) from error
            else:
                data = await stream.read(_READ_SIZE)
                if not data:
                    reader.clear()
                    raise RedisConnectionError(SERVER_CLOSED_CONNECTION_ERROR)
            reader.feed(data)

    async def _push(self, disable_decoding: bool, push_request: bool) -> Any:
        """A push message, by redis-py's parser from the bytes received so far; the bytes
        after the reply it returns stay for the next one."""
        reader = self._rapyer_reader
        self._buffer = reader.buffer[reader.pos :]
        self._chunks.clear()
        self._pos = 0
        reader.clear()
        response = await super()._read_response(
            disable_decoding=disable_decoding, push_request=push_request
        )
        left = self._buffer[self._pos :]
        super()._clear()  # type: ignore[no-untyped-call]
        reader.buffer = left
        return response


class ReplyParser(_RESP3Parser):
    """redis-py's blocking RESP3 parser, reading replies with a ``ReplyReader``: the bytes come
    from redis-py's socket buffer (its reads, timeouts and errors)."""

    def __init__(self, socket_read_size: int) -> None:
        super().__init__(socket_read_size)  # type: ignore[no-untyped-call]
        self._rapyer_reader = ReplyReader(empty_line_closes=True)
        self._rapyer_decode: Callable[[bytes], Any] | None = None
        self._rapyer_poll: Any = None

    def on_connect(self, connection: Any) -> None:
        super().on_connect(connection)  # type: ignore[no-untyped-call]
        self._rapyer_reader.clear()
        self._rapyer_decode = decoder(self.encoder)
        self._rapyer_poll = _poll_of(self._sock)

    def on_disconnect(self) -> None:
        super().on_disconnect()  # type: ignore[no-untyped-call]
        self._rapyer_poll = None
        # None: called by the __del__ of a parser whose __init__ did not finish
        reader = getattr(self, "_rapyer_reader", None)
        if reader is not None:
            reader.clear()

    def can_read(self, timeout: float = 0) -> bool:
        if self._rapyer_reader.pending:
            return True
        # fast path: the pool asks this of every connection it hands out (timeout 0). redis-py
        # answers with a non-blocking recv, which raises when nothing came (two timeout
        # changes, a recv and an exception: about 2 µs); one poll of the socket answers that
        # case. Anything else (bytes, EOF, an error) takes redis-py's own check.
        poll = self._rapyer_poll
        if timeout == 0 and poll is not None and self._buffer is not None:
            try:
                quiet = not poll.poll(0) and not self._buffer.unread_bytes()
            except (OSError, ValueError):
                quiet = False
            if quiet:
                return False
        return bool(super().can_read(timeout))

    def read_response(
        self,
        disable_decoding: bool = False,
        push_request: bool = False,
        timeout: float | object = SENTINEL,
    ) -> Any:
        socket_buffer = self._buffer
        if socket_buffer is None:
            raise RedisConnectionError(SERVER_CLOSED_CONNECTION_ERROR)
        reader = self._rapyer_reader
        decode = None if disable_decoding else self._rapyer_decode
        parse_error = self.parse_error
        received = socket_buffer._buffer  # the socket buffer's BytesIO
        while True:
            reply = reader.parse(decode, parse_error)  # cleared when it raises
            if reply is PUSH:
                return self._push(disable_decoding, push_request, timeout)
            if reply is not INCOMPLETE:
                return reply
            data = received.read()  # what the socket buffer holds, unread
            if not data:
                # redis-py's read: its timeout, its errors (a timeout leaves the reader as it
                # was: the next call resumes)
                socket_buffer._read_from_socket(length=reader.need or None, timeout=timeout)
                data = received.read()
            socket_buffer.purge()
            reader.feed(data)

    def _push(self, disable_decoding: bool, push_request: bool, timeout: float | object) -> Any:
        """A push message, by redis-py's parser: the bytes received so far go back to the
        socket buffer first, where the bytes after the reply stay."""
        reader = self._rapyer_reader
        socket_buffer: Any = self._buffer
        received = socket_buffer._buffer
        left = reader.buffer[reader.pos :] + received.read()
        reader.clear()
        received.seek(0)
        received.truncate()
        received.write(left)
        received.seek(0)
        # redis-py before 7 has no timeout argument (and never passes one)
        extra = {} if timeout is SENTINEL else {"timeout": timeout}
        return super().read_response(
            disable_decoding=disable_decoding, push_request=push_request, **extra
        )


def _poll_of(sock: Any) -> Any:
    """A poll object watching ``sock`` for reading, or ``None``: no ``poll`` on this platform,
    or a TLS socket (decrypted bytes may wait inside it where ``poll`` does not see them)."""
    if sock is None or not hasattr(select, "poll") or isinstance(sock, ssl.SSLSocket):
        return None
    poll = select.poll()
    poll.register(sock.fileno(), select.POLLIN)
    return poll


# redis-py's Python RESP3 parsers and the parser that replaces each in rapyer's connections
_REPLACEMENTS: dict[type, type] = {_AsyncRESP3Parser: AsyncReplyParser, _RESP3Parser: ReplyParser}


class ParseFromBuffer:
    """Mixin of a redis-py connection class, blocking or async: ``ReplyParser`` or
    ``AsyncReplyParser`` instead of redis-py's Python RESP3 parser (hiredis's, or a RESP2
    parser, is kept)."""

    def set_parser(self, parser_class: type) -> None:
        super().set_parser(_REPLACEMENTS.get(parser_class, parser_class))  # type: ignore[misc]
