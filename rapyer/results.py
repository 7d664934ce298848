"""Result objects of bulk operations.

Stand-in for issue 3's ``rapyer.results`` (``DeleteResult``); reconciled at merge.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

__all__ = ["DeleteResult"]


@dataclass
class DeleteResult:
    """What ``delete_many`` did: main documents deleted, keys deleted, committed or queued."""

    models_deleted: int = 0
    keys_deleted: int = 0
    was_committed: bool = True

    @property
    def count(self) -> int:
        """Deprecated alias of ``models_deleted``."""
        warnings.warn(
            "DeleteResult.count is deprecated; use models_deleted", DeprecationWarning, stacklevel=2
        )
        return self.models_deleted
