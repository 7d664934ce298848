"""Action groups: which operations re-apply a model's TTL (see the TTL guide)."""

from __future__ import annotations

import enum

__all__ = ["ActionGroup"]


class ActionGroup(enum.Flag):
    """Kinds of operations, combined with ``|`` in ``Meta.refresh_ttl``."""

    READ = enum.auto()
    FETCH = enum.auto()
    CREATE = enum.auto()
    UPDATE = enum.auto()
    APPEND = enum.auto()
    DELETE = enum.auto()
    ERASE = enum.auto()
    ARITHMETIC = enum.auto()

    @classmethod
    def all(cls, for_ttl: bool = False) -> ActionGroup:
        """Every group; with ``for_ttl=True`` every group except ``DELETE``."""
        result = cls(0)
        for member in cls:
            if not (for_ttl and member is cls.DELETE):
                result |= member
        return result
