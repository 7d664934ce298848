"""A FastAPI service on rapyer's async API.

Run it from the ``examples`` folder (``pip install uvicorn`` first)::

    REDIS_URL=redis://localhost:6379/0 uvicorn fastapi_app.main:app --reload

Endpoints:

- ``POST /items`` creates a ``StockItem`` (409 if the sku exists),
- ``GET /items/{sku}`` reads one (404 if missing),
- ``PATCH /items/{sku}`` changes the fields sent, in one Redis transaction,
- ``DELETE /items/{sku}`` deletes it,
- ``POST /items/{sku}/reserve`` takes stock under a lock, so that concurrent requests never
  sell the same unit twice.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse

import rapyer
from rapyer.errors import KeyNotFound, LockTimeoutError

from .models import ItemPatch, Reservation, StockItem


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Without REDIS_URL rapyer falls back to redis://localhost:6379/0.
    await rapyer.init_rapyer(redis=os.environ.get("REDIS_URL", "redis://localhost:6379/0"))
    yield
    await rapyer.teardown_rapyer()


app = FastAPI(title="rapyer stock service", lifespan=lifespan)


@app.exception_handler(KeyNotFound)
async def key_not_found(request: Request, exc: KeyNotFound) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(exc)})


@app.exception_handler(LockTimeoutError)
async def lock_timeout(request: Request, exc: LockTimeoutError) -> JSONResponse:
    return JSONResponse(status_code=503, content={"detail": "the item is busy, retry later"})


@app.post("/items", status_code=status.HTTP_201_CREATED, response_model=StockItem)
async def create_item(item: StockItem) -> StockItem:
    if await StockItem.aexists(item.key):
        raise HTTPException(status_code=409, detail=f"{item.sku} already exists")
    return await item.asave()


@app.get("/items/{sku}", response_model=StockItem)
async def read_item(sku: str) -> StockItem:
    return await StockItem.aget(sku)  # KeyNotFound -> 404 (handler above)


@app.patch("/items/{sku}", response_model=StockItem)
async def patch_item(sku: str, patch: ItemPatch) -> StockItem:
    item = await StockItem.aget(sku)
    await item.aupdate(**patch.model_dump(exclude_unset=True))
    return item


@app.delete("/items/{sku}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_item(sku: str) -> Response:
    if not await StockItem.adelete_by_key(sku):
        raise HTTPException(status_code=404, detail=f"{sku} does not exist")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@app.post("/items/{sku}/reserve", response_model=StockItem)
async def reserve(sku: str, reservation: Reservation) -> StockItem:
    # The lock serialises every "reserve" on this item across processes; the model is
    # loaded after the lock is taken and saved on exit, while the lock is still held.
    # Raising inside the block releases the lock without saving.
    async with StockItem.alock_from_key(
        sku, "reserve", save_at_end=True, blocking_timeout=5
    ) as item:
        if item.stock < reservation.quantity:
            raise HTTPException(status_code=409, detail=f"only {item.stock} left of {item.sku}")
        item.stock -= reservation.quantity
    return item
