"""examples/fastapi_app through FastAPI's TestClient, against the real server."""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from rapyer import AtomicRedisModel  # noqa: E402

needs_locks = pytest.mark.skipif(
    not hasattr(AtomicRedisModel, "alock_from_key"),
    reason="AtomicRedisModel.alock_from_key is not implemented yet (locks land with issue 5)",
)


@pytest.fixture
def app(examples_on_path, rapyer_bound, monkeypatch):
    monkeypatch.setenv("REDIS_URL", rapyer_bound)  # read by the app's lifespan
    from fastapi_app.main import app

    return app


@pytest.fixture
def client(app):
    with TestClient(app) as client:  # runs the lifespan: init_rapyer / teardown_rapyer
        yield client


def test_crud_round_trip(client, raw):
    body = {"sku": "tea-1", "name": "Green tea", "price": 4.5, "stock": 3}
    created = client.post("/items", json=body)
    assert created.status_code == 201, created.text
    assert created.json() == body
    assert json.loads(raw.execute_command("JSON.GET", "StockItem:tea-1", "$"))[0] == body

    assert client.get("/items/tea-1").json() == body
    assert client.post("/items", json=body).status_code == 409

    patched = client.patch("/items/tea-1", json={"price": 5.0})
    assert patched.status_code == 200, patched.text
    assert patched.json() == {**body, "price": 5.0}
    stored = json.loads(raw.execute_command("JSON.GET", "StockItem:tea-1", "$"))[0]
    assert stored["price"] == 5.0 and stored["name"] == "Green tea"

    assert client.delete("/items/tea-1").status_code == 204
    assert raw.exists("StockItem:tea-1") == 0
    assert client.delete("/items/tea-1").status_code == 404


def test_errors_become_http_statuses(client):
    missing = client.get("/items/nope")
    assert missing.status_code == 404
    assert "StockItem:nope" in missing.json()["detail"]
    assert client.patch("/items/nope", json={"price": 1}).status_code == 404
    # Validation of the model used as a request body: negative price, missing name.
    assert client.post("/items", json={"sku": "x", "name": "X", "price": -1}).status_code == 422
    assert client.post("/items", json={"sku": "x", "price": 1}).status_code == 422
    assert client.patch("/items/x", json={"price": -2}).status_code == 422


def test_openapi_describes_the_model(client):
    schema = client.get("/openapi.json").json()
    item = schema["components"]["schemas"]["StockItem"]
    assert set(item["properties"]) == {"sku", "name", "price", "stock"}
    assert "/items/{sku}/reserve" in schema["paths"]


@needs_locks
def test_reserve_takes_stock_under_the_lock(client, raw):
    client.post("/items", json={"sku": "mug", "name": "Mug", "price": 8, "stock": 2})
    taken = client.post("/items/mug/reserve", json={"quantity": 2})
    assert taken.status_code == 200, taken.text
    assert taken.json()["stock"] == 0
    assert json.loads(raw.execute_command("JSON.GET", "StockItem:mug", "$.stock")) == [0]
    refused = client.post("/items/mug/reserve", json={"quantity": 1})
    assert refused.status_code == 409
    assert client.post("/items/nope/reserve", json={"quantity": 1}).status_code == 404
    assert raw.keys("*:lock") == []  # every lock was released


@needs_locks
def test_concurrent_reservations_never_oversell(app, raw):
    import httpx

    async def scenario() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            created = await http.post(
                "/items", json={"sku": "pen", "name": "Pen", "price": 1, "stock": 5}
            )
            assert created.status_code == 201
            replies = await asyncio.gather(
                *(http.post("/items/pen/reserve", json={"quantity": 1}) for _ in range(12))
            )
        return sorted(reply.status_code for reply in replies)

    statuses = asyncio.run(scenario())
    assert statuses == [200] * 5 + [409] * 7
    assert json.loads(raw.execute_command("JSON.GET", "StockItem:pen", "$.stock")) == [0]
