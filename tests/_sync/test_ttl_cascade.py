# GENERATED from tests/_async/test_ttl_cascade.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""TTL cascade over references (``set_ttl(..., cascade=True)``, ``refresh_ttl``), in both APIs."""

from __future__ import annotations

import json

import pytest

import rapyer
from rapyer import _pipeline_state, cascade
from rapyer._pipeline_state import PipelineFrame
from rapyer.errors import CascadeTargetTtlMissingError, InvalidCascadeDepthError
from tests.cascade_models import (
    CasBag,
    CasInner,
    CasLeaf,
    CasMid,
    CasOpen,
    CasQuiet,
    CasRing,
    CasRoot,
)


def _short(client, *models) -> None:
    """Give the models a short TTL, so that an extension shows."""
    for model in models:
        client.expire(model.key, 10)


def _ttl(client, model) -> int:
    return client.ttl(model.key)


def test_set_ttl_cascades_over_marked_edges_only(redis_backend):
    leaf, other = CasLeaf(name="a"), CasLeaf(name="b")
    mid = CasMid(leaf=leaf, leaves=[leaf], by_name={"x": leaf})
    root = CasRoot(mid=mid, other=other)
    rapyer.insert(leaf, other, mid, root)
    _short(redis_backend, leaf, other, mid)
    result = root.set_ttl(50, cascade=True)
    assert result == cascade.CascadeResult()
    assert 0 < _ttl(redis_backend, root) <= 50
    assert 10 < _ttl(redis_backend, mid) <= 500  # marked edge: mid's own Meta.ttl
    assert _ttl(redis_backend, leaf) <= 10  # mid's edges are off (no marker, no default)
    assert _ttl(redis_backend, other) <= 10  # root.other has no marker and no default


def test_extend_only_grows_and_keeps_persistent_keys(redis_backend):
    mid = CasMid()
    root = CasRoot(mid=mid)
    rapyer.insert(mid, root)
    redis_backend.expire(mid.key, 10_000)
    root.set_ttl(50, cascade=True)
    assert _ttl(redis_backend, mid) > 500  # GT: a longer TTL is kept
    redis_backend.persist(mid.key)
    root.set_ttl(50, cascade=True)
    assert _ttl(redis_backend, mid) == -1  # a persistent key stays persistent


def test_class_default_and_depth(redis_backend):
    chain = [CasOpen() for _ in range(4)]
    for first, second in zip(chain, chain[1:], strict=False):
        first.next = second
    leaf = CasLeaf()
    chain[0].leaves = [leaf]
    rapyer.insert(leaf, *chain)
    _short(redis_backend, leaf, *chain)
    result = chain[0].set_ttl(20, cascade=True)
    assert result.dangling_children == [] and result.mismatched_class == []
    assert _ttl(redis_backend, chain[1]) > 10  # hop 1
    assert _ttl(redis_backend, chain[2]) > 10  # hop 2
    assert _ttl(redis_backend, chain[3]) <= 10  # hop 3: beyond depth 2
    assert _ttl(redis_backend, leaf) > 10  # hop 1, its own Meta.ttl
    assert _ttl(redis_backend, leaf) <= 1000


def test_rings_are_walked_once(redis_backend):
    ring = [CasRing() for _ in range(3)]
    for i, node in enumerate(ring):
        node.next = ring[(i + 1) % 3]
    rapyer.insert(*ring)
    _short(redis_backend, *ring)
    result = ring[0].set_ttl(30, cascade=True)
    assert result == cascade.CascadeResult()
    assert 0 < _ttl(redis_backend, ring[0]) <= 30
    assert _ttl(redis_backend, ring[1]) > 30 and _ttl(redis_backend, ring[2]) > 30


def test_dangling_and_mismatched_references(redis_backend):
    gone = CasOpen()
    root = CasOpen(next=gone)
    rapyer.insert(gone, root)
    gone.delete()
    redis_backend.execute_command("JSON.SET", root.key, "$.wrong", json.dumps("CasMid:x"))
    redis_backend.execute_command("JSON.SET", root.key, "$.leaves", json.dumps(["Nope:1"]))
    result = root.set_ttl(40, cascade=True)
    assert result.dangling_children == [gone.key]
    assert sorted(result.mismatched_class) == ["CasMid:x", "Nope:1"]


def test_refresh_ttl_cascades(redis_backend):
    mid = CasMid()
    root = CasRoot(mid=mid)
    rapyer.insert(mid, root)
    _short(redis_backend, mid, root)
    root.refresh_ttl()
    assert 10 < _ttl(redis_backend, root) <= 100
    assert 10 < _ttl(redis_backend, mid) <= 500


def test_cascade_inside_a_pipeline_is_queued(redis_backend):
    mid = CasMid()
    root = CasRoot(mid=mid)
    rapyer.insert(mid, root)
    _short(redis_backend, mid)
    with rapyer.pipeline():
        assert root.set_ttl(60, cascade=True) is None
        assert _ttl(redis_backend, mid) <= 10  # not yet: queued
    assert 10 < _ttl(redis_backend, mid) <= 500


def test_definition_errors():
    with pytest.raises(InvalidCascadeDepthError):
        cascade.CascadeTTL(depth=-1)
    edges = {edge.field: edge for edge in cascade.edges_of(CasMid)}
    assert edges["leaf"].path == "$.leaf" and edges["leaves"].path == "$.leaves[*]"
    assert edges["by_name"].path == "$.by_name.*"
    assert all(edge.targets == (CasLeaf,) for edge in edges.values())
    assert cascade.edges_of(CasRoot)[0].marker == cascade.CascadeTTL()

    def no_ttl(cls):
        return None if cls is CasMid else 1

    with pytest.raises(CascadeTargetTtlMissingError):
        cascade.check_plan([CasRoot], lambda cls: None, no_ttl)
    cascade.check_plan([CasMid], lambda cls: None, no_ttl)  # its edges are off


# ---- every refresh of a model with enabled edges cascades ------------------------------------


def _root_with_mid(client):
    mid = CasMid()
    root = CasRoot(mid=mid)
    rapyer.insert(mid, root)
    return root, mid


def test_a_save_cascades_to_the_reference_it_wrote(redis_backend):
    mid = CasMid()
    mid.save()
    _short(redis_backend, mid)
    root = CasRoot(mid=mid)
    root.save()  # the walk reads the document after the write: it sees the new edge
    assert 10 < _ttl(redis_backend, mid) <= 500
    other = CasMid()
    other.save()
    _short(redis_backend, other)
    root.mid = other
    root.save()  # a changed-fields save
    assert 10 < _ttl(redis_backend, other) <= 500


def test_every_refreshing_operation_cascades(redis_backend):
    root, mid = _root_with_mid(redis_backend)
    operations = {
        "get": lambda: CasRoot.get(root.key),
        "load": lambda: root.load(),
        "update": lambda: root.update(n=3),
        "increase": lambda: root.n.increase_now(1),
        "append": lambda: root.tags.append_now("x"),
        "find all": lambda: CasRoot.find(),
        "find by key": lambda: CasRoot.find(root.key),
        "global find": lambda: rapyer.find(root.key),
        "get or create (found)": lambda: CasRoot.get_or_create(CasRoot(mid=mid)),
        "insert": lambda: CasRoot.insert(CasRoot(mid=mid)),
        "duplicate": lambda: root.duplicate(),
        "refresh_ttl": lambda: root.refresh_ttl(),
        "mark_actions": lambda: root.mark_touch(),
        "exists (never refreshes)": lambda: CasRoot.exists(root.key),
    }
    extended = {}
    for name, operation in operations.items():
        _short(redis_backend, mid)
        operation()
        extended[name] = _ttl(redis_backend, mid) > 10
    assert extended == {name: "never" not in name for name in operations}


def test_query_reads_cascade(backend):
    root, mid = _root_with_mid(backend)
    _short(backend, mid)
    assert [model.key for model in CasRoot.find(CasRoot.n >= 0)] == [root.key]
    assert 10 < _ttl(backend, mid) <= 500
    _short(backend, mid)
    for model in CasRoot.iterator(CasRoot.n == 0, batch_size=10):
        assert model.key == root.key
    assert 10 < _ttl(backend, mid) <= 500


def test_only_refreshes_cascade(redis_backend):
    mid = CasMid()
    quiet = CasQuiet(mid=mid)
    rapyer.insert(mid, quiet)
    _short(redis_backend, mid)
    CasQuiet.get(quiet.key)  # reads do not refresh this class: no cascade
    CasQuiet.find()
    assert _ttl(redis_backend, mid) <= 10
    quiet.update(n=1)
    assert 10 < _ttl(redis_backend, mid) <= 500


def test_a_pipeline_cascades_after_its_exec_and_not_when_discarded(redis_backend):
    root, mid = _root_with_mid(redis_backend)
    _short(redis_backend, mid)
    with pytest.raises(ValueError):
        with root.pipeline() as inside:
            inside.n += 1
            raise ValueError("discarded")
    assert _ttl(redis_backend, mid) <= 10
    with root.pipeline() as inside:
        inside.n += 1
        assert _ttl(redis_backend, mid) <= 10  # queued until EXEC
    assert 10 < _ttl(redis_backend, mid) <= 500
    _short(redis_backend, mid)
    with rapyer.pipeline():
        root.tags.append("y")
    assert 10 < _ttl(redis_backend, mid) <= 500


def test_a_lock_save_at_end_cascades(redis_backend):
    root, mid = _root_with_mid(redis_backend)
    with root.lock(save_at_end=True) as locked:
        _short(redis_backend, mid)  # after the lock's read (which cascaded too)
        locked.n = 9
    assert 10 < _ttl(redis_backend, mid) <= 500
    assert (CasRoot.get(root.key)).n == 9


def test_noted_roots_go_to_the_sender_or_the_pipeline():
    cascade.note_refresh(CasRoot, ["CasRoot:a"])
    cascade.drop_pending()  # the send failed: nothing runs later
    assert cascade.take_pending() == []
    cascade.note_refresh(CasRoot, ["CasRoot:b", "CasRoot:c"])
    assert cascade.take_pending() == [(CasRoot, "CasRoot:b"), (CasRoot, "CasRoot:c")]
    assert cascade.take_pending() == []
    frame = PipelineFrame()
    token = _pipeline_state.push(frame)
    try:
        cascade.note_refresh(CasRoot, ["CasRoot:d"])
        savepoint = frame.savepoint()
        cascade.note_refresh(CasRoot, ["CasRoot:e"])
        frame.rollback(savepoint)  # a joined block that raised
    finally:
        _pipeline_state.pop(token)
    assert frame.cascades == [(CasRoot, "CasRoot:d")]
    assert cascade.take_pending() == []
    walk = cascade.Walk([(CasRoot, "CasRoot:d"), (CasRoot, "CasRoot:d"), (CasMid, "CasMid:x")])
    assert [node.key for node in walk.frontier] == ["CasRoot:d", "CasMid:x"]


def test_sets_and_queues_of_nested_models_cascade(redis_backend):
    leaves = [CasLeaf(name=str(i)) for i in range(4)]
    bag = CasBag(maybe=CasInner())
    rapyer.insert(*leaves, bag)
    bag.inner.refs.add_now(leaves[0].key)
    bag.inner.queue.push_now(leaves[1].key, 1.0)
    bag.maybe.refs.add_now(leaves[2].key)
    bag.maybe.queue.push_now(leaves[3].key, 2.0)
    _short(redis_backend, *leaves)
    result = bag.set_ttl(60, cascade=True)
    assert result == cascade.CascadeResult()
    assert all(10 < _ttl(redis_backend, leaf) <= 1000 for leaf in leaves)
    _short(redis_backend, *leaves)
    CasBag.get(bag.key)  # a refresh walks them too
    assert all(10 < _ttl(redis_backend, leaf) <= 1000 for leaf in leaves)
    fields = {(edge.special, edge.kind) for edge in cascade.edges_of(CasBag)}
    assert fields == {
        ("inner.refs", "set"),
        ("inner.queue", "queue"),
        ("maybe.refs", "set"),
        ("maybe.queue", "queue"),
    }


def test_refresh_cascade_decision_is_cached_per_configuration():
    assert cascade.cascades_on_refresh(CasRoot)
    assert not cascade.cascades_on_refresh(CasMid)  # no marker, no default
    previous = CasMid.Meta.cascade_ttl
    CasMid.Meta.cascade_ttl = cascade.CascadeTTL()
    try:
        assert cascade.cascades_on_refresh(CasMid)  # a Meta change is seen at once
    finally:
        CasMid.Meta.cascade_ttl = previous
    assert not cascade.cascades_on_refresh(CasMid)
