# GENERATED from tests/_async/test_pipeline.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Transactional pipelines (module and model forms) against the real server and fakeredis."""

from __future__ import annotations

import functools
import logging

import pytest
import redis
from redis.exceptions import ResponseError

import rapyer
from rapyer import _pipeline_state
from rapyer._sync import pipeline as pipeline_module
from rapyer._scripts import evalsha_command, script
from rapyer.errors import KeyNotFound, PersistentNoScriptError
from rapyer.testing import flush_test_database
from tests import _io_sync as io
from tests.models import Address, Everything, Person, PipelineOtherDb, PipelineSession, User


def is_fake(client) -> bool:
    return type(client).__module__.startswith("fakeredis")


@pytest.fixture
def other_db(redis_backend):
    """Binds ``PipelineOtherDb`` to a second store: db 1 of the server, or another FakeServer."""
    if is_fake(redis_backend):
        import fakeredis

        client = fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)
        source = client
    else:
        kwargs = redis_backend.connection_pool.connection_kwargs
        source = f"redis://{kwargs['host']}:{kwargs['port']}/1"
        flush_test_database(source)  # refuses a database this session did not fill
        client = redis.Redis.from_url(source, decode_responses=True)
    PipelineOtherDb.Meta.redis = source
    yield client
    PipelineOtherDb.Meta.redis = None
    PipelineOtherDb.Meta.__pydantic_fields_set__.discard("redis")
    if not is_fake(client):
        client.flushdb()
        client.close()


@pytest.fixture
def capture_commits(monkeypatch):
    """Records the replies of every pipeline exit (one list per binding)."""
    captured: list[list[list]] = []
    real_commit = pipeline_module.commit

    def capturing_commit(frame, ignore_redis_error=False):
        replies = real_commit(frame, ignore_redis_error)
        captured.append(replies)
        return replies

    monkeypatch.setattr(pipeline_module, "commit", capturing_commit)
    return captured


# ---- queueing, visibility, discarding -----------------------------------------------------


def test_queued_writes_are_invisible_until_exit(redis_backend):
    user = User(name="Alice", age=1)
    other = User(name="Bob")
    other.save()
    with rapyer.pipeline() as pipe:
        assert _pipeline_state.current() is not None
        assert user.save() is user
        assert user.update(age=2) is None
        assert other.delete() is True
        assert User.delete_by_key("missing") is True
        pipe.execute_command("SET", "plain", "1")
        # nothing was sent yet; reads run directly and do not see the queue
        assert redis_backend.exists(user.key) == 0
        assert redis_backend.exists(other.key) == 1
        assert redis_backend.get("plain") is None
        assert User.exists(user.key) is False
        with pytest.raises(KeyNotFound):
            User.get(user.key)
    assert _pipeline_state.current() is None
    assert (User.get(user.key)).age == 2
    assert redis_backend.exists(other.key) == 0
    assert redis_backend.get("plain") == "1"


def test_body_that_raises_sends_nothing(redis_backend):
    user = User(name="Alice", age=1)
    user.save()
    newcomer = User(name="New")
    with pytest.raises(ValueError, match="boom"):  # noqa: SIM117 (one with in the blocking twin)
        with rapyer.pipeline() as pipe:
            user.update(age=99)
            newcomer.save()
            user.delete()
            pipe.execute_command("SET", "plain", "1")
            raise ValueError("boom")
    assert _pipeline_state.current() is None
    assert user.age == 99  # local changes stay
    assert (User.get(user.key)).age == 1
    assert redis_backend.exists(newcomer.key) == 0
    assert redis_backend.get("plain") is None
    # the next pipeline starts clean
    with rapyer.pipeline():
        newcomer.save()
    assert (User.get(user.key)).age == 1
    assert redis_backend.exists(newcomer.key) == 1


def test_blocking_writes_inside_an_async_pipeline_are_queued(redis_backend):
    user = User(name="Alice")
    other = User(name="Bob")
    with rapyer.pipeline() as pipe:
        user.save()
        other.save()
        with rapyer.pipeline(use_existing_pipe=True) as joined:
            assert joined is pipe
            user.update(age=5)
        assert redis_backend.exists(user.key, other.key) == 0
    assert (User.get(user.key)).age == 5
    assert redis_backend.exists(other.key) == 1


def test_blocking_pipeline_inside_an_async_one_commits_at_its_exit(redis_backend):
    user = User(name="Alice")
    other = User(name="Bob")
    with rapyer.pipeline():
        other.save()
        with rapyer.pipeline():
            user.save()
        assert redis_backend.exists(user.key) == 1
        assert redis_backend.exists(other.key) == 0
    assert redis_backend.exists(other.key) == 1


# ---- nesting --------------------------------------------------------------------------------


def test_inner_pipeline_is_its_own_transaction(redis_backend):
    outer_user = User(name="Outer")
    inner_user = User(name="Inner")
    with rapyer.pipeline() as outer_pipe:
        outer_user.save()
        with rapyer.pipeline() as inner_pipe:
            assert inner_pipe is not outer_pipe
            inner_user.save()
        assert redis_backend.exists(inner_user.key) == 1
        assert redis_backend.exists(outer_user.key) == 0
    assert redis_backend.exists(outer_user.key) == 1


def test_use_existing_pipe_joins_the_outer_transaction(redis_backend):
    outer_user = User(name="Outer")
    inner_user = User(name="Inner")
    with rapyer.pipeline() as outer_pipe:
        outer_user.save()
        with rapyer.pipeline(use_existing_pipe=True) as inner_pipe:
            assert inner_pipe is outer_pipe
            inner_user.save()
        assert redis_backend.exists(inner_user.key, outer_user.key) == 0
    assert redis_backend.exists(inner_user.key, outer_user.key) == 2


def test_joined_block_that_raises_drops_only_its_own_commands(redis_backend):
    kept = User(name="Kept")
    dropped = User(name="Dropped")
    with rapyer.pipeline():
        kept.save()
        with pytest.raises(ValueError, match="inner"):  # noqa: SIM117 (one with in the blocking twin)
            with rapyer.pipeline(use_existing_pipe=True):
                dropped.save()
                raise ValueError("inner")
    assert redis_backend.exists(kept.key) == 1
    assert redis_backend.exists(dropped.key) == 0


def test_use_existing_pipe_without_outer_opens_a_pipeline(redis_backend):
    user = User(name="Alone")
    with rapyer.pipeline(use_existing_pipe=True):
        user.save()
        assert redis_backend.exists(user.key) == 0
    assert redis_backend.exists(user.key) == 1


# ---- the model form ---------------------------------------------------------------------------


def test_model_pipeline_loads_merges_and_queues(redis_backend):
    user = User(name="Alice", age=1)
    user.save()
    redis_backend.json().set(user.key, "$.age", 9)
    with user.pipeline() as fresh:
        assert fresh is not user
        assert fresh.age == 9 and user.age == 9
        assert fresh.key == user.key
        fresh.update(name="Bea")
        assert redis_backend.json().get(user.key, "$.name") == ["Alice"]
    assert User.get(user.key) == User(name="Bea", age=9)


def test_model_pipeline_of_a_nested_model(redis_backend):
    person = Person(name="P", address=Address(city="Paris"))
    person.save()
    redis_backend.json().set(person.key, "$.address.city", "Rome")
    with person.address.pipeline() as fresh:
        assert fresh.city == "Rome" and person.address.city == "Rome"
        fresh.update(zip="00100")
    assert (Person.get(person.key)).address == Address(city="Rome", zip="00100")


def test_model_pipeline_missing_key(redis_backend):
    user = User(name="Ghost")
    with pytest.raises(KeyNotFound):  # noqa: SIM117 (one with in the blocking twin)
        with user.pipeline():
            pytest.fail("the body must not run")
    assert _pipeline_state.current() is None
    with user.pipeline(ignore_redis_error=True) as same:
        assert same is user
        user.save()
        assert redis_backend.exists(user.key) == 0
    assert redis_backend.exists(user.key) == 1


def test_model_pipeline_joins_an_outer_pipeline(redis_backend):
    user = User(name="Alice")
    user.save()
    newcomer = User(name="New")
    with rapyer.pipeline():
        newcomer.save()
        with user.pipeline(use_existing_pipe=True) as fresh:
            fresh.update(age=3)
        assert (User.get(user.key)).age == 0
    assert (User.get(user.key)).age == 3
    assert redis_backend.exists(newcomer.key) == 1


# ---- attribute assignment ---------------------------------------------------------------------


def test_assignment_is_local_outside_a_pipeline(redis_backend):
    user = User(name="Alice")
    user.save()
    user.age = 7
    assert (User.get(user.key)).age == 0


def test_assignment_inside_a_pipeline_is_queued(redis_backend):
    user = User(name="Alice", age=1)
    person = Person(name="P", address=Address(city="Paris"), previous=[Address(city="Oslo")])
    everything = Everything(n=3)
    user.save()
    person.save()
    everything.save()
    with rapyer.pipeline() as pipe:
        user.age += 1
        user.name = "Bea"
        person.address.city = "Rome"
        person.previous[0].zip = "0150"
        everything.n = None
        # += on a number is the atomic JSON.NUMINCRBY (docs/guide/pipelines.md), after the JSON.SET
        # ... NX that creates the field in a document lacking it; the rest JSON.SET
        queued = [args for args, _ in pipe.command_stack]
        assert queued[0] == ("JSON.SET", user.key, "$.age", "0", "NX")
        assert [args[0] for args in queued[1:]] == ["JSON.NUMINCRBY"] + ["JSON.SET"] * 4
        assert (User.get(user.key)).age == 1
    assert User.get(user.key) == User(name="Bea", age=2)
    stored = Person.get(person.key)
    assert stored.address.city == "Rome"
    assert stored.previous[0].zip == "0150"
    assert (Everything.get(everything.key)).n is None


def test_update_queues_each_set_once(redis_backend):
    user = User(name="Alice")
    user.save()
    with rapyer.pipeline() as pipe:
        user.update(age=4, name="Bea")
        assert [args[2] for args, _ in pipe.command_stack] == ["$.age", "$.name"]
    assert User.get(user.key) == User(name="Bea", age=4)


def test_increment_through_the_model_form(redis_backend):
    user = User(name="Alice", age=1)
    user.save()
    with user.pipeline() as fresh:
        fresh.age += 10
    assert (User.get(user.key)).age == 11


# ---- TTL ----------------------------------------------------------------------------------------


def test_expires_are_deduplicated_and_sent_before_exec(redis_backend):
    session = PipelineSession(name="s")
    with rapyer.pipeline() as pipe:
        session.save()
        session.update(hits=1)
        session.save()
        frame = _pipeline_state.current()
        queued = [args[0] for args, _ in pipe.command_stack]
        assert "EXPIRE" not in queued
        assert queued.count("JSON.SET") == 3
        assert [list(e) for e in frame.expires.values()] == [[session.key]]
        assert redis_backend.exists(session.key) == 0
    assert 90 < redis_backend.ttl(session.key) <= 100
    assert (PipelineSession.get(session.key)).hits == 1


def test_model_pipeline_queues_its_refresh_expire(redis_backend):
    session = PipelineSession(name="s")
    session.save()
    redis_backend.expire(session.key, 10)
    with session.pipeline() as fresh:
        assert redis_backend.ttl(session.key) <= 10
        assert fresh.name == "s"
    assert redis_backend.ttl(session.key) > 10


# ---- several bindings -----------------------------------------------------------------------------


def test_each_binding_gets_its_own_transaction(redis_backend, other_db):
    here = User(name="Here")
    there = PipelineOtherDb(name="There")
    with rapyer.pipeline():
        here.save()
        there.save()
        frame = _pipeline_state.current()
        assert len(frame.pipes) == 2
        assert redis_backend.exists(here.key) == 0
        assert other_db.exists(there.key) == 0
    assert redis_backend.exists(here.key) == 1
    assert redis_backend.exists(there.key) == 0
    assert other_db.exists(there.key) == 1
    assert (PipelineOtherDb.get(there.key)).name == "There"


def test_a_failing_binding_does_not_stop_the_others(redis_backend, other_db):
    there = PipelineOtherDb(name="There")
    with pytest.raises(KeyNotFound):  # a write to a missing document  # noqa: SIM117 (one with in the blocking twin)
        with rapyer.pipeline() as pipe:
            pipe.execute_command("JSON.NUMINCRBY", "no-such-doc", "$.n", 1)
            there.save()
    assert other_db.exists(there.key) == 1


# ---- reply errors ---------------------------------------------------------------------------------


def test_reply_errors_raise_after_everything_ran(redis_backend):
    with pytest.raises(KeyNotFound):  # the write to a missing document  # noqa: SIM117 (one with in the blocking twin)
        with rapyer.pipeline() as pipe:
            pipe.execute_command("SET", "before", "1")
            pipe.execute_command("JSON.NUMINCRBY", "no-such-doc", "$.n", 1)
            pipe.execute_command("SET", "after", "1")
    assert redis_backend.get("before") == "1"
    assert redis_backend.get("after") == "1"


def test_ignore_redis_error_logs_a_warning_per_error(redis_backend, caplog):
    with caplog.at_level(logging.WARNING, logger="rapyer"):  # noqa: SIM117 (one with in the blocking twin)
        with rapyer.pipeline(ignore_redis_error=True) as pipe:
            pipe.execute_command("JSON.NUMINCRBY", "no-such-doc", "$.n", 1)
            pipe.execute_command("SET", "after", "1")
            pipe.execute_command("JSON.NUMINCRBY", "no-such-doc", "$.m", 1)
    assert redis_backend.get("after") == "1"
    warnings = [r for r in caplog.records if r.name == "rapyer" and r.levelno == logging.WARNING]
    assert len(warnings) == 2


def test_a_refused_transaction_is_reported_after_the_others_ran(redis_backend, other_db):
    there = PipelineOtherDb(name="There")
    with pytest.raises(ResponseError, match="wrong number of arguments"):  # noqa: SIM117
        with rapyer.pipeline() as pipe:
            pipe.execute_command("SET", "refused", "1")
            pipe.execute_command("GET")  # rejected when queued: EXECABORT
            there.save()
    assert redis_backend.get("refused") is None
    assert other_db.exists(there.key) == 1
    with rapyer.pipeline(ignore_redis_error=True) as pipe:
        pipe.execute_command("GET")
        pipe.execute_command("SET", "refused", "1")
    assert redis_backend.get("refused") is None


# ---- scripts --------------------------------------------------------------------------------------


def evalsha_ping() -> tuple:
    return evalsha_command("ping", [], [])


def test_queued_scripts_are_loaded_before_exec(redis_backend, capture_commits):
    redis_backend.script_flush()
    with rapyer.pipeline() as pipe:
        pipe.execute_command(*evalsha_ping())
        pipe.execute_command("SET", "after", "1")
    assert capture_commits[-1][0][0] == 1
    assert redis_backend.script_exists(script("ping").sha) == [True]
    assert redis_backend.get("after") == "1"


def test_noscript_at_exec_reruns_only_the_failed_scripts(
    redis_backend, capture_commits, monkeypatch
):
    real_ensure = pipeline_module.ensure_scripts

    def ensure_then_flush(client, shas):
        real_ensure(client, shas)
        client.script_flush()

    reloads: list[int] = []
    real_reload = pipeline_module.reload_scripts

    def counting_reload(client):
        reloads.append(1)
        real_reload(client)

    monkeypatch.setattr(pipeline_module, "ensure_scripts", ensure_then_flush)
    monkeypatch.setattr(pipeline_module, "reload_scripts", counting_reload)
    with rapyer.pipeline() as pipe:
        pipe.execute_command("INCR", "counter")
        pipe.execute_command(*evalsha_ping())
        pipe.execute_command("INCR", "counter")
    replies = capture_commits[-1][0]
    assert replies == [1, 1, 2]
    assert reloads == [1]
    assert redis_backend.get("counter") == "2"  # the INCRs ran once


def test_persistent_noscript_raises(redis_backend, monkeypatch):
    real_ensure = pipeline_module.ensure_scripts
    real_reload = pipeline_module.reload_scripts

    def ensure_then_flush(client, shas):
        real_ensure(client, shas)
        client.script_flush()

    def reload_then_flush(client):
        real_reload(client)
        client.script_flush()

    monkeypatch.setattr(pipeline_module, "ensure_scripts", ensure_then_flush)
    monkeypatch.setattr(pipeline_module, "reload_scripts", reload_then_flush)
    with pytest.raises(PersistentNoScriptError):  # noqa: SIM117 (one with in the blocking twin)
        with rapyer.pipeline() as pipe:
            pipe.execute_command(*evalsha_ping())


# ---- isolation and contention --------------------------------------------------------------------


def test_concurrent_pipelines_do_not_share_frames(redis_backend):
    def worker(i: int):
        user = User(name=f"u{i}")
        with rapyer.pipeline() as pipe:
            frame = _pipeline_state.current()
            user.save()
            io.sleep(0.02)
            assert _pipeline_state.current() is frame
            assert len(pipe.command_stack) == 1
            user.update(age=i)
            io.sleep(0.02)
            assert len(pipe.command_stack) == 2
            assert redis_backend.exists(user.key) == 0
        return frame, user

    results = io.gather_calls(*[functools.partial(worker, i) for i in range(8)])
    assert len({id(frame) for frame, _ in results}) == 8
    assert _pipeline_state.current() is None
    for i, (_, user) in enumerate(results):
        assert (User.get(user.key)).age == i


CONTENTION_WORKERS = 20
CONTENTION_ROUNDS = 25


def test_pipelined_increments_lose_no_update(redis_backend):
    key = "counter:doc"
    redis_backend.json().set(key, "$", {"n": 0})

    def worker():
        for _ in range(CONTENTION_ROUNDS):
            with rapyer.pipeline() as pipe:
                pipe.execute_command("JSON.NUMINCRBY", key, "$.n", 1)

    io.gather_calls(*[worker for _ in range(CONTENTION_WORKERS)])
    assert redis_backend.json().get(key, "$.n") == [CONTENTION_WORKERS * CONTENTION_ROUNDS]
