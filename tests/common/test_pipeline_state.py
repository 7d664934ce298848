"""The pipeline frame without a server: queueing, EXPIRE deduplication, savepoints, replies."""

from __future__ import annotations

import contextvars
import threading

from redis.exceptions import NoScriptError, ResponseError

from rapyer import _pipeline_state
from rapyer._binding import Binding
from rapyer._pipeline_state import PipelineFrame
from rapyer._scripts import script


class FakePipe:
    def __init__(self) -> None:
        self.command_stack: list[tuple[tuple, dict]] = []

    def execute_command(self, *args):
        self.command_stack.append((args, {}))
        return self


class FakeClient:
    def __init__(self) -> None:
        self.pipes: list[FakePipe] = []

    def pipeline(self, transaction: bool = True) -> FakePipe:
        assert transaction
        pipe = FakePipe()
        self.pipes.append(pipe)
        return pipe


def make_frame() -> tuple[PipelineFrame, dict[Binding, FakeClient]]:
    clients: dict[Binding, FakeClient] = {}

    def factory(binding: Binding) -> FakeClient:
        return clients.setdefault(binding, FakeClient())

    return PipelineFrame(factory), clients


def stack(pipe: FakePipe) -> list[tuple]:
    return _pipeline_state.queued_commands(pipe)


def test_one_lazy_transaction_per_binding_in_order_of_first_use():
    frame, clients = make_frame()
    first, second = Binding("redis://a"), Binding("redis://b")
    assert frame.pipes == {}
    frame.queue(second, [("SET", "x", 1)])
    frame.queue(first, [("SET", "y", 1)])
    frame.queue(second, [("SET", "z", 1)])
    assert list(frame.pipes) == [second, first]
    assert clients == {}  # rapyer's own record: no client and no redis-py pipeline yet
    assert all(isinstance(p, _pipeline_state.RecordingPipeline) for p in frame.pipes.values())
    assert stack(frame.pipes[second]) == [("SET", "x", 1), ("SET", "z", 1)]
    replayed = _pipeline_state.replay(frame.pipes[second], frame.client(second))
    assert stack(replayed) == [("SET", "x", 1), ("SET", "z", 1)]
    assert clients[second].pipes == [replayed]


def test_the_frame_factory_wins_over_the_callers():
    frame, clients = make_frame()
    binding = Binding("redis://a")
    frame.queue(binding, [("SET", "x", 1)], lambda b: (_ for _ in ()).throw(AssertionError))
    frame.client(binding)
    assert binding in clients


def test_redis_py_command_methods_record_too():
    frame, _ = make_frame()
    pipe = frame.pipe_for(Binding("redis://a"))
    pipe.set("k", "v")
    pipe.incr("n")
    assert stack(pipe) == [("SET", "k", "v"), ("INCRBY", "n", 1)]


def test_expires_are_deduplicated_and_appended_last():
    frame, _ = make_frame()
    binding = Binding("redis://a")
    frame.queue(binding, [("JSON.SET", "k", "$", "{}"), ("EXPIRE", "k", 10, "NX")])
    frame.queue(binding, [("JSON.SET", "k", "$.a", "1"), ("EXPIRE", "k", 10)])
    frame.queue(binding, [("EXPIRE", "k", 10, "NX"), ("EXPIRE", "other", 5)])
    pipe = frame.pipes[binding]
    assert [c[0] for c in stack(pipe)] == ["JSON.SET", "JSON.SET"]
    frame.flush_expires()
    assert stack(pipe)[2:] == [("EXPIRE", "k", 10), ("EXPIRE", "other", 5)]
    assert frame.expires == {}


def test_savepoint_rollback_and_discard():
    frame, _ = make_frame()
    first, second = Binding("redis://a"), Binding("redis://b")
    frame.queue(first, [("SET", "a", 1), ("EXPIRE", "a", 5)])
    point = frame.savepoint()
    frame.queue(first, [("SET", "b", 1), ("EXPIRE", "b", 5)])
    frame.queue(second, [("SET", "c", 1)])
    frame.rollback(point)
    assert stack(frame.pipes[first]) == [("SET", "a", 1)]
    assert stack(frame.pipes[second]) == []
    assert {b: list(e) for b, e in frame.expires.items()} == {first: ["a"]}
    frame.discard()
    assert stack(frame.pipes[first]) == []
    assert frame.expires == {}


def test_script_helpers():
    sha = script("ping").sha
    commands = [
        ("SET", "a", 1),
        ("EVALSHA", sha, 0),
        ("EVALSHA", "f" * 40, 0),
        ("EVALSHA", sha, 0),
    ]
    assert _pipeline_state.known_shas(commands) == [sha]
    replies = [True, NoScriptError("NOSCRIPT x"), NoScriptError("NOSCRIPT y"), 1]
    assert _pipeline_state.noscript_failures(commands, replies) == [1]
    errors = _pipeline_state.reply_errors(commands, [True, ResponseError("bad"), 1, 1])
    assert len(errors) == 1 and "Command # 2 (EVALSHA" in str(errors[0])


def test_frames_are_per_context_and_per_thread():
    frame, _ = make_frame()
    token = _pipeline_state.push(frame)
    try:
        seen: list[object] = []
        thread = threading.Thread(target=lambda: seen.append(_pipeline_state.current()))
        thread.start()
        thread.join()
        assert seen == [None]
        assert contextvars.copy_context().run(_pipeline_state.current) is frame
    finally:
        _pipeline_state.pop(token)
    assert _pipeline_state.current() is None
