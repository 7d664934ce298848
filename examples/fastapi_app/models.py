"""The stored model and the request bodies of the FastAPI example."""

from __future__ import annotations

from pydantic import BaseModel, Field

from rapyer import AtomicRedisModel, Key


class StockItem(AtomicRedisModel):
    """A product in stock, stored as the JSON document ``StockItem:<sku>``.

    It is also the request body of ``POST /items`` and the response body of every endpoint:
    an ``AtomicRedisModel`` is a pydantic model.
    """

    sku: Key[str]
    name: str
    price: float = Field(ge=0)
    stock: int = Field(default=0, ge=0)


class ItemPatch(BaseModel):
    """The body of ``PATCH /items/{sku}``: only the fields sent are changed."""

    name: str | None = None
    price: float | None = Field(default=None, ge=0)


class Reservation(BaseModel):
    """The body of ``POST /items/{sku}/reserve``."""

    quantity: int = Field(gt=0)
