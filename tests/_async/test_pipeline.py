"""Transactional pipelines (module and model forms) against the real server and fakeredis."""

from __future__ import annotations

import functools
import logging

import pytest
import redis
from redis.exceptions import ResponseError

import rapyer
from rapyer import _pipeline_state
from rapyer._async import pipeline as pipeline_module
from rapyer._scripts import evalsha_command, script
from rapyer.errors import KeyNotFound, PersistentNoScriptError
from rapyer.testing import flush_test_database
from tests import _io_async as io
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

    async def capturing_commit(frame, ignore_redis_error=False):
        replies = await real_commit(frame, ignore_redis_error)
        captured.append(replies)
        return replies

    monkeypatch.setattr(pipeline_module, "commit", capturing_commit)
    return captured


# ---- queueing, visibility, discarding -----------------------------------------------------


async def test_queued_writes_are_invisible_until_exit(redis_backend):
    user = User(name="Alice", age=1)
    other = User(name="Bob")
    await other.asave()
    async with rapyer.apipeline() as pipe:
        assert _pipeline_state.current() is not None
        assert await user.asave() is user
        assert await user.aupdate(age=2) is None
        assert await other.adelete() is True
        assert await User.adelete_by_key("missing") is True
        pipe.execute_command("SET", "plain", "1")
        # nothing was sent yet; reads run directly and do not see the queue
        assert redis_backend.exists(user.key) == 0
        assert redis_backend.exists(other.key) == 1
        assert redis_backend.get("plain") is None
        assert await User.aexists(user.key) is False
        with pytest.raises(KeyNotFound):
            await User.aget(user.key)
    assert _pipeline_state.current() is None
    assert (await User.aget(user.key)).age == 2
    assert redis_backend.exists(other.key) == 0
    assert redis_backend.get("plain") == "1"


async def test_body_that_raises_sends_nothing(redis_backend):
    user = User(name="Alice", age=1)
    await user.asave()
    newcomer = User(name="New")
    with pytest.raises(ValueError, match="boom"):  # noqa: SIM117 (one with in the blocking twin)
        async with rapyer.apipeline() as pipe:
            await user.aupdate(age=99)
            await newcomer.asave()
            await user.adelete()
            pipe.execute_command("SET", "plain", "1")
            raise ValueError("boom")
    assert _pipeline_state.current() is None
    assert user.age == 99  # local changes stay
    assert (await User.aget(user.key)).age == 1
    assert redis_backend.exists(newcomer.key) == 0
    assert redis_backend.get("plain") is None
    # the next pipeline starts clean
    async with rapyer.apipeline():
        await newcomer.asave()
    assert (await User.aget(user.key)).age == 1
    assert redis_backend.exists(newcomer.key) == 1


async def test_blocking_writes_inside_an_async_pipeline_are_queued(redis_backend):
    user = User(name="Alice")
    other = User(name="Bob")
    async with rapyer.apipeline() as pipe:
        user.save()
        await other.asave()
        with rapyer.pipeline(use_existing_pipe=True) as joined:
            assert joined is pipe
            user.update(age=5)
        assert redis_backend.exists(user.key, other.key) == 0
    assert (await User.aget(user.key)).age == 5
    assert redis_backend.exists(other.key) == 1


async def test_blocking_pipeline_inside_an_async_one_commits_at_its_exit(redis_backend):
    user = User(name="Alice")
    other = User(name="Bob")
    async with rapyer.apipeline():
        await other.asave()
        with rapyer.pipeline():
            await user.asave()
        assert redis_backend.exists(user.key) == 1
        assert redis_backend.exists(other.key) == 0
    assert redis_backend.exists(other.key) == 1


# ---- nesting --------------------------------------------------------------------------------


async def test_inner_pipeline_is_its_own_transaction(redis_backend):
    outer_user = User(name="Outer")
    inner_user = User(name="Inner")
    async with rapyer.apipeline() as outer_pipe:
        await outer_user.asave()
        async with rapyer.apipeline() as inner_pipe:
            assert inner_pipe is not outer_pipe
            await inner_user.asave()
        assert redis_backend.exists(inner_user.key) == 1
        assert redis_backend.exists(outer_user.key) == 0
    assert redis_backend.exists(outer_user.key) == 1


async def test_use_existing_pipe_joins_the_outer_transaction(redis_backend):
    outer_user = User(name="Outer")
    inner_user = User(name="Inner")
    async with rapyer.apipeline() as outer_pipe:
        await outer_user.asave()
        async with rapyer.apipeline(use_existing_pipe=True) as inner_pipe:
            assert inner_pipe is outer_pipe
            await inner_user.asave()
        assert redis_backend.exists(inner_user.key, outer_user.key) == 0
    assert redis_backend.exists(inner_user.key, outer_user.key) == 2


async def test_joined_block_that_raises_drops_only_its_own_commands(redis_backend):
    kept = User(name="Kept")
    dropped = User(name="Dropped")
    async with rapyer.apipeline():
        await kept.asave()
        with pytest.raises(ValueError, match="inner"):  # noqa: SIM117 (one with in the blocking twin)
            async with rapyer.apipeline(use_existing_pipe=True):
                await dropped.asave()
                raise ValueError("inner")
    assert redis_backend.exists(kept.key) == 1
    assert redis_backend.exists(dropped.key) == 0


async def test_use_existing_pipe_without_outer_opens_a_pipeline(redis_backend):
    user = User(name="Alone")
    async with rapyer.apipeline(use_existing_pipe=True):
        await user.asave()
        assert redis_backend.exists(user.key) == 0
    assert redis_backend.exists(user.key) == 1


# ---- the model form ---------------------------------------------------------------------------


async def test_model_pipeline_loads_merges_and_queues(redis_backend):
    user = User(name="Alice", age=1)
    await user.asave()
    redis_backend.json().set(user.key, "$.age", 9)
    async with user.apipeline() as fresh:
        assert fresh is not user
        assert fresh.age == 9 and user.age == 9
        assert fresh.key == user.key
        await fresh.aupdate(name="Bea")
        assert redis_backend.json().get(user.key, "$.name") == ["Alice"]
    assert await User.aget(user.key) == User(name="Bea", age=9)


async def test_model_pipeline_of_a_nested_model(redis_backend):
    person = Person(name="P", address=Address(city="Paris"))
    await person.asave()
    redis_backend.json().set(person.key, "$.address.city", "Rome")
    async with person.address.apipeline() as fresh:
        assert fresh.city == "Rome" and person.address.city == "Rome"
        await fresh.aupdate(zip="00100")
    assert (await Person.aget(person.key)).address == Address(city="Rome", zip="00100")


async def test_model_pipeline_missing_key(redis_backend):
    user = User(name="Ghost")
    with pytest.raises(KeyNotFound):  # noqa: SIM117 (one with in the blocking twin)
        async with user.apipeline():
            pytest.fail("the body must not run")
    assert _pipeline_state.current() is None
    async with user.apipeline(ignore_redis_error=True) as same:
        assert same is user
        await user.asave()
        assert redis_backend.exists(user.key) == 0
    assert redis_backend.exists(user.key) == 1


async def test_model_pipeline_joins_an_outer_pipeline(redis_backend):
    user = User(name="Alice")
    await user.asave()
    newcomer = User(name="New")
    async with rapyer.apipeline():
        await newcomer.asave()
        async with user.apipeline(use_existing_pipe=True) as fresh:
            await fresh.aupdate(age=3)
        assert (await User.aget(user.key)).age == 0
    assert (await User.aget(user.key)).age == 3
    assert redis_backend.exists(newcomer.key) == 1


# ---- attribute assignment ---------------------------------------------------------------------


async def test_assignment_is_local_outside_a_pipeline(redis_backend):
    user = User(name="Alice")
    await user.asave()
    user.age = 7
    assert (await User.aget(user.key)).age == 0


async def test_assignment_inside_a_pipeline_is_queued(redis_backend):
    user = User(name="Alice", age=1)
    person = Person(name="P", address=Address(city="Paris"), previous=[Address(city="Oslo")])
    everything = Everything(n=3)
    await user.asave()
    await person.asave()
    await everything.asave()
    async with rapyer.apipeline() as pipe:
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
        assert (await User.aget(user.key)).age == 1
    assert await User.aget(user.key) == User(name="Bea", age=2)
    stored = await Person.aget(person.key)
    assert stored.address.city == "Rome"
    assert stored.previous[0].zip == "0150"
    assert (await Everything.aget(everything.key)).n is None


async def test_update_queues_each_set_once(redis_backend):
    user = User(name="Alice")
    await user.asave()
    async with rapyer.apipeline() as pipe:
        await user.aupdate(age=4, name="Bea")
        assert [args[2] for args, _ in pipe.command_stack] == ["$.age", "$.name"]
    assert await User.aget(user.key) == User(name="Bea", age=4)


async def test_increment_through_the_model_form(redis_backend):
    user = User(name="Alice", age=1)
    await user.asave()
    async with user.apipeline() as fresh:
        fresh.age += 10
    assert (await User.aget(user.key)).age == 11


# ---- TTL ----------------------------------------------------------------------------------------


async def test_expires_are_deduplicated_and_sent_before_exec(redis_backend):
    session = PipelineSession(name="s")
    async with rapyer.apipeline() as pipe:
        await session.asave()
        await session.aupdate(hits=1)
        await session.asave()
        frame = _pipeline_state.current()
        queued = [args[0] for args, _ in pipe.command_stack]
        assert "EXPIRE" not in queued
        assert queued.count("JSON.SET") == 3
        assert [list(e) for e in frame.expires.values()] == [[session.key]]
        assert redis_backend.exists(session.key) == 0
    assert 90 < redis_backend.ttl(session.key) <= 100
    assert (await PipelineSession.aget(session.key)).hits == 1


async def test_model_pipeline_queues_its_refresh_expire(redis_backend):
    session = PipelineSession(name="s")
    await session.asave()
    redis_backend.expire(session.key, 10)
    async with session.apipeline() as fresh:
        assert redis_backend.ttl(session.key) <= 10
        assert fresh.name == "s"
    assert redis_backend.ttl(session.key) > 10


# ---- several bindings -----------------------------------------------------------------------------


async def test_each_binding_gets_its_own_transaction(redis_backend, other_db):
    here = User(name="Here")
    there = PipelineOtherDb(name="There")
    async with rapyer.apipeline():
        await here.asave()
        await there.asave()
        frame = _pipeline_state.current()
        assert len(frame.pipes) == 2
        assert redis_backend.exists(here.key) == 0
        assert other_db.exists(there.key) == 0
    assert redis_backend.exists(here.key) == 1
    assert redis_backend.exists(there.key) == 0
    assert other_db.exists(there.key) == 1
    assert (await PipelineOtherDb.aget(there.key)).name == "There"


async def test_a_failing_binding_does_not_stop_the_others(redis_backend, other_db):
    there = PipelineOtherDb(name="There")
    with pytest.raises(KeyNotFound):  # a write to a missing document  # noqa: SIM117 (one with in the blocking twin)
        async with rapyer.apipeline() as pipe:
            pipe.execute_command("JSON.NUMINCRBY", "no-such-doc", "$.n", 1)
            await there.asave()
    assert other_db.exists(there.key) == 1


# ---- reply errors ---------------------------------------------------------------------------------


async def test_reply_errors_raise_after_everything_ran(redis_backend):
    with pytest.raises(KeyNotFound):  # the write to a missing document  # noqa: SIM117 (one with in the blocking twin)
        async with rapyer.apipeline() as pipe:
            pipe.execute_command("SET", "before", "1")
            pipe.execute_command("JSON.NUMINCRBY", "no-such-doc", "$.n", 1)
            pipe.execute_command("SET", "after", "1")
    assert redis_backend.get("before") == "1"
    assert redis_backend.get("after") == "1"


async def test_ignore_redis_error_logs_a_warning_per_error(redis_backend, caplog):
    with caplog.at_level(logging.WARNING, logger="rapyer"):  # noqa: SIM117 (one with in the blocking twin)
        async with rapyer.apipeline(ignore_redis_error=True) as pipe:
            pipe.execute_command("JSON.NUMINCRBY", "no-such-doc", "$.n", 1)
            pipe.execute_command("SET", "after", "1")
            pipe.execute_command("JSON.NUMINCRBY", "no-such-doc", "$.m", 1)
    assert redis_backend.get("after") == "1"
    warnings = [r for r in caplog.records if r.name == "rapyer" and r.levelno == logging.WARNING]
    assert len(warnings) == 2


async def test_a_refused_transaction_is_reported_after_the_others_ran(redis_backend, other_db):
    there = PipelineOtherDb(name="There")
    with pytest.raises(ResponseError, match="wrong number of arguments"):  # noqa: SIM117
        async with rapyer.apipeline() as pipe:
            pipe.execute_command("SET", "refused", "1")
            pipe.execute_command("GET")  # rejected when queued: EXECABORT
            await there.asave()
    assert redis_backend.get("refused") is None
    assert other_db.exists(there.key) == 1
    async with rapyer.apipeline(ignore_redis_error=True) as pipe:
        pipe.execute_command("GET")
        pipe.execute_command("SET", "refused", "1")
    assert redis_backend.get("refused") is None


# ---- scripts --------------------------------------------------------------------------------------


def evalsha_ping() -> tuple:
    return evalsha_command("ping", [], [])


async def test_queued_scripts_are_loaded_before_exec(redis_backend, capture_commits):
    redis_backend.script_flush()
    async with rapyer.apipeline() as pipe:
        pipe.execute_command(*evalsha_ping())
        pipe.execute_command("SET", "after", "1")
    assert capture_commits[-1][0][0] == 1
    assert redis_backend.script_exists(script("ping").sha) == [True]
    assert redis_backend.get("after") == "1"


async def test_noscript_at_exec_reruns_only_the_failed_scripts(
    redis_backend, capture_commits, monkeypatch
):
    real_ensure = pipeline_module.ensure_scripts

    async def ensure_then_flush(client, shas):
        await real_ensure(client, shas)
        await client.script_flush()

    reloads: list[int] = []
    real_reload = pipeline_module.reload_scripts

    async def counting_reload(client):
        reloads.append(1)
        await real_reload(client)

    monkeypatch.setattr(pipeline_module, "ensure_scripts", ensure_then_flush)
    monkeypatch.setattr(pipeline_module, "reload_scripts", counting_reload)
    async with rapyer.apipeline() as pipe:
        pipe.execute_command("INCR", "counter")
        pipe.execute_command(*evalsha_ping())
        pipe.execute_command("INCR", "counter")
    replies = capture_commits[-1][0]
    assert replies == [1, 1, 2]
    assert reloads == [1]
    assert redis_backend.get("counter") == "2"  # the INCRs ran once


async def test_persistent_noscript_raises(redis_backend, monkeypatch):
    real_ensure = pipeline_module.ensure_scripts
    real_reload = pipeline_module.reload_scripts

    async def ensure_then_flush(client, shas):
        await real_ensure(client, shas)
        await client.script_flush()

    async def reload_then_flush(client):
        await real_reload(client)
        await client.script_flush()

    monkeypatch.setattr(pipeline_module, "ensure_scripts", ensure_then_flush)
    monkeypatch.setattr(pipeline_module, "reload_scripts", reload_then_flush)
    with pytest.raises(PersistentNoScriptError):  # noqa: SIM117 (one with in the blocking twin)
        async with rapyer.apipeline() as pipe:
            pipe.execute_command(*evalsha_ping())


# ---- isolation and contention --------------------------------------------------------------------


async def test_concurrent_pipelines_do_not_share_frames(redis_backend):
    async def worker(i: int):
        user = User(name=f"u{i}")
        async with rapyer.apipeline() as pipe:
            frame = _pipeline_state.current()
            await user.asave()
            await io.sleep(0.02)
            assert _pipeline_state.current() is frame
            assert len(pipe.command_stack) == 1
            await user.aupdate(age=i)
            await io.sleep(0.02)
            assert len(pipe.command_stack) == 2
            assert redis_backend.exists(user.key) == 0
        return frame, user

    results = await io.gather_calls(*[functools.partial(worker, i) for i in range(8)])
    assert len({id(frame) for frame, _ in results}) == 8
    assert _pipeline_state.current() is None
    for i, (_, user) in enumerate(results):
        assert (await User.aget(user.key)).age == i


CONTENTION_WORKERS = 20
CONTENTION_ROUNDS = 25


async def test_pipelined_increments_lose_no_update(redis_backend):
    key = "counter:doc"
    redis_backend.json().set(key, "$", {"n": 0})

    async def worker():
        for _ in range(CONTENTION_ROUNDS):
            async with rapyer.apipeline() as pipe:
                pipe.execute_command("JSON.NUMINCRBY", key, "$.n", 1)

    await io.gather_calls(*[worker for _ in range(CONTENTION_WORKERS)])
    assert redis_backend.json().get(key, "$.n") == [CONTENTION_WORKERS * CONTENTION_ROUNDS]
