"""RESP3 replies parsed from bytes already read, with a state that resumes when more arrive.

redis-py's async parser reads each item of a reply with its own awaits on the stream (a line,
then the bytes of a bulk string): for a ``JSON.MGET`` of 1,000 documents that is thousands of
coroutines and stream calls. ``ReplyReader`` parses the reply from the bytes already received,
in one loop without recursion, and asks for more bytes only when they end before the reply
does (``rapyer._reply_parser`` reads them). The values are redis-py's: the same types, the same
decoding, the same error objects (``parse_error``), the same ``InvalidResponse`` message.

Checked against redis-py's parser by ``tests/common/test_resp.py`` (hypothesis: random replies
cut into random pieces).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from typing import Any

from redis._parsers.socket import SERVER_CLOSED_CONNECTION_ERROR
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import InvalidResponse

__all__ = ["INCOMPLETE", "PUSH", "ReplyReader", "is_strict_utf8"]

INCOMPLETE = object()  # the bytes end before the reply does
PUSH = object()  # a push message (">") starts here: redis-py's parser handles it

_CRLF = b"\r\n"
# first bytes of the RESP3 types
_BULK, _ARRAY, _SET, _MAP, _PUSH = ord("$"), ord("*"), ord("~"), ord("%"), ord(">")
_SIMPLE, _ERROR, _BLOB_ERROR, _VERBATIM = ord("+"), ord("-"), ord("!"), ord("=")
_INT, _BIG, _NULL, _DOUBLE, _BOOL = ord(":"), ord("("), ord("_"), ord(","), ord("#")
_SIZED = frozenset((_BULK, _VERBATIM, _BLOB_ERROR))  # a length line, then that many bytes
_AGGREGATES = frozenset((_ARRAY, _SET, _MAP))
_INTEGERS = frozenset((_INT, _BIG))


class ReplyReader:
    """The parse state of one connection: its unparsed bytes, and the aggregates of a reply
    that are not complete yet (innermost last)."""

    __slots__ = ("buffer", "empty_line_closes", "need", "pos", "stack")

    def __init__(self, empty_line_closes: bool = False) -> None:
        # what an empty line raises: redis-py's blocking parser takes it for a closed
        # connection (ConnectionError), its async parser for a protocol error
        self.empty_line_closes = empty_line_closes
        self.buffer = b""
        self.pos = 0  # where the next item starts in ``buffer``
        self.need = 0  # bytes known to be missing (a bulk string's end), 0 when unknown
        # per open aggregate: [items (list, or a dict's flat key/value list), count left, kind]
        self.stack: list[list[Any]] = []

    def clear(self) -> None:
        self.buffer = b""
        self.pos = self.need = 0
        self.stack.clear()

    @property
    def pending(self) -> bool:
        """Whether bytes wait that no reply took yet (a reply read in part included)."""
        return bool(self.stack) or self.pos < len(self.buffer)

    def feed(self, data: bytes) -> None:
        """Append ``data``; the bytes parsed before are dropped (a partial item is kept)."""
        self.buffer = self.buffer[self.pos :] + data if self.pos else self.buffer + data
        self.pos = self.need = 0

    def parse(
        self, decode: Callable[[bytes], Any] | None, parse_error: Callable[[str], Any]
    ) -> Any:
        """The next complete reply (the bytes after it stay for the next one), ``INCOMPLETE``
        (call again after ``feed``) or ``PUSH`` (a push message starts at ``pos``).

        ``decode``: applied to simple and bulk strings (``None``: bytes are kept).
        ``parse_error``: redis-py's, from an error's text to its exception object. A reply that
        raises (a protocol error, an error redis-py raises at once) leaves the reader cleared.
        """
        try:
            return self._parse(decode, parse_error)
        except BaseException:
            self.clear()
            raise

    def _parse(
        self, decode: Callable[[bytes], Any] | None, parse_error: Callable[[str], Any]
    ) -> Any:
        buffer = self.buffer
        find = buffer.find
        size_of_buffer = len(buffer)
        stack = self.stack
        pos = self.pos
        while True:
            eol = find(_CRLF, pos)
            if eol < 0:
                self.pos = pos
                return INCOMPLETE
            kind = buffer[pos] if eol > pos else -1
            if kind in _SIZED:
                start = eol + 2
                stop = start + int(buffer[pos + 1 : eol])
                if stop + 2 > size_of_buffer:
                    self.pos = pos
                    self.need = stop + 2 - size_of_buffer
                    return INCOMPLETE
                value: Any = buffer[start:stop]
                pos = stop + 2
                if kind == _BLOB_ERROR:
                    value = _error(value, parse_error)
                else:
                    if kind == _VERBATIM:
                        value = value[4:]
                    if decode is not None:
                        value = decode(value)
            elif kind in _AGGREGATES:
                count = int(buffer[pos + 1 : eol])
                pos = eol + 2
                if kind == _MAP:
                    count *= 2
                if count > 0:
                    stack.append([[], count, kind])
                    continue
                value = {} if kind == _MAP else []
            elif kind == _PUSH:
                if stack:
                    raise InvalidResponse(
                        f"Protocol Error: push inside a reply {buffer[pos:eol]!r}"
                    )
                self.pos = pos
                return PUSH
            else:
                line = buffer[pos + 1 : eol]
                if kind == _SIMPLE:
                    value = decode(line) if decode is not None else line
                elif kind in _INTEGERS:
                    value = int(line)
                elif kind == _NULL:
                    value = None
                elif kind == _ERROR:
                    value = _error(line, parse_error)
                elif kind == _DOUBLE:
                    value = float(line)
                elif kind == _BOOL:
                    value = line == b"t"
                else:
                    if eol == pos and self.empty_line_closes:
                        raise RedisConnectionError(SERVER_CLOSED_CONNECTION_ERROR)
                    raise InvalidResponse(f"Protocol Error: {buffer[pos:eol]!r}")
                pos = eol + 2
            # the value completes the innermost aggregate's next item, which may complete it
            while stack:
                frame = stack[-1]
                frame[0].append(value)
                frame[1] -= 1
                if frame[1]:
                    break
                stack.pop()
                items = frame[0]
                value = (
                    dict(zip(items[::2], items[1::2], strict=True)) if frame[2] == _MAP else items
                )
            else:
                if pos == size_of_buffer:  # nothing after the reply: the buffer is let go
                    self.buffer = b""
                    pos = 0
                self.pos = pos
                return value


def _error(text: bytes, parse_error: Callable[[str], Any]) -> Any:
    """redis-py's error object for an error reply; a connection error is raised at once."""
    error = parse_error(text.decode("utf-8", errors="replace"))
    if isinstance(error, RedisConnectionError):
        raise error
    return error


def is_strict_utf8(encoder: Any) -> bool:
    """Whether redis-py's ``encoder`` encodes and decodes text as strict UTF-8 (the default
    arguments of ``str.encode`` and ``bytes.decode``)."""
    try:
        name = codecs.lookup(encoder.encoding).name
    except (LookupError, TypeError, AttributeError):
        return False
    return name == "utf-8" and encoder.encoding_errors == "strict"
