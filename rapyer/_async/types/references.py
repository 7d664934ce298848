"""Operations of ``ForeignKey`` / ``Reference``: fetch the referenced model, once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rapyer._types.references import ReferenceShared as _Base
else:
    _Base = object


class AsyncReferenceOps(_Base):
    """The referenced model is read on demand and cached on the reference."""

    async def afetch(self) -> Any:
        """The referenced model (read once, then cached); KeyNotFound when it is gone."""
        if self._rapyer_value is not None:
            return self._rapyer_value
        cls = self._rapyer_target_class()
        value = await cls.aget(self._rapyer_key)
        self._rapyer_value = value
        return value

    async def aunload(self) -> None:
        """Forget the cached model (no I/O)."""
        self._rapyer_value = None
