# GENERATED from tests/_async/test_ttl_cascade.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""TTL cascade over references (``set_ttl(..., cascade=True)``, ``refresh_ttl``), in both APIs."""

from __future__ import annotations

import json

import pytest

import rapyer
from rapyer import cascade
from rapyer.errors import CascadeTargetTtlMissingError, InvalidCascadeDepthError
from tests.cascade_models import CasLeaf, CasMid, CasOpen, CasRing, CasRoot


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
