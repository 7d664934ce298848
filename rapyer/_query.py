"""Query expressions on indexed fields (no I/O). Compiled to RediSearch queries with PARAMS."""

from __future__ import annotations

__all__ = ["Expression", "SortKey"]


class Expression:
    """Base of every query expression (``User.age > 30``, ``a & b`` ...)."""


class SortKey:
    """A sort order on one indexed field (``User.age.asc()`` / ``.desc()``)."""
