"""The rapyer model of the app (``models.py`` is left to Django's ORM conventions)."""

from __future__ import annotations

from pydantic import Field

from rapyer import AtomicRedisModel, Key


class Bookmark(AtomicRedisModel):
    """Stored as the JSON document ``Bookmark:<slug>``."""

    slug: Key[str]
    url: str
    title: str = ""
    tags: list[str] = Field(default_factory=list)
