# GENERATED from rapyer/_async/types/references.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Operations of ``ForeignKey`` / ``Reference``: fetch the referenced model, once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rapyer._types.references import ReferenceShared as _Base
else:
    _Base = object


class SyncReferenceOps(_Base):
    """The referenced model is read on demand and cached on the reference."""

    def fetch_now(self) -> Any:
        """The referenced model (read once, then cached); KeyNotFound when it is gone."""
        if self._rapyer_value is not None:
            return self._rapyer_value
        cls = self._rapyer_target_class()
        value = cls.get(self._rapyer_key)
        self._rapyer_value = value
        return value

    def unload_now(self) -> None:
        """Forget the cached model (no I/O)."""
        self._rapyer_value = None
