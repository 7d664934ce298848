"""Result types of bulk operations (no I/O), shared by both APIs and by queries."""

from __future__ import annotations

import enum
import warnings
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

__all__ = [
    "DeleteResult",
    "GetOrCreateResult",
    "GetOrCreateStatus",
    "IndexState",
    "IndexStatus",
    "KeyLayoutMigration",
    "RapyerDeleteResult",
]

T = TypeVar("T")


class DeleteResult(BaseModel):
    """What ``delete_many`` did.

    ``models_deleted`` counts main documents that existed (inside a pipeline: the targets
    queued), ``keys_deleted`` every key removed (or queued), and ``was_committed`` is ``False``
    when the deletes were only queued into a pipeline.
    """

    models_deleted: int = 0
    keys_deleted: int = 0
    was_committed: bool = True

    @property
    def count(self) -> int:
        """Deprecated alias of ``models_deleted``."""
        warnings.warn(
            "DeleteResult.count is deprecated; use models_deleted",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.models_deleted


class RapyerDeleteResult(DeleteResult):
    """``DeleteResult`` of the module-level ``delete_many``, with a count per model class."""

    by_model: dict[type[Any], int] = Field(default_factory=dict)


class GetOrCreateStatus(str, enum.Enum):
    """Whether ``get_or_create`` found the stored model or created it."""

    CREATED = "created"
    FOUND = "found"


@dataclass
class GetOrCreateResult(Generic[T]):
    """The model of ``get_or_create`` (the stored one when FOUND) and the status."""

    value: T
    status: GetOrCreateStatus

    @property
    def created(self) -> bool:
        return self.status is GetOrCreateStatus.CREATED

    def __iter__(self) -> Any:
        yield self.value
        yield self.status


class IndexState(str, enum.Enum):
    """The state of a model's index on its server (``index_status``)."""

    CURRENT = "current"  # the alias serves the model's schema version, fully indexed
    INDEXING = "indexing"  # the alias serves the model's version, still indexing
    OUTDATED = "outdated"  # the alias serves another schema version
    OLD_LAYOUT = "old-layout"  # an index named like the alias (older rapyer), no versions
    MISSING = "missing"  # nothing serves the model's queries
    NO_SEARCH = "no-search"  # the server has no RediSearch


@dataclass(frozen=True)
class IndexStatus:
    """One model's index: what serves its queries and how far its own version is built.

    ``index`` is the name queries use (the alias ``idx:{prefix}``), ``version`` the name of
    the model's schema version (``idx:{prefix}:v{schema_hash}``), ``serving`` the index the
    alias resolves to (``None`` when missing). ``percent_indexed`` is the progress of the
    model's own version (``None`` when it does not exist), ``missing_fields`` the fields the
    serving index cannot answer, ``stale`` the other versions of the prefix left on the
    server (an interrupted build of another schema; ``python -m rapyer indexes --migrate``
    drops them).
    """

    model: type[Any]
    index: str
    version: str
    schema_hash: str
    state: IndexState
    serving: str | None = None
    percent_indexed: float | None = None
    num_docs: int | None = None
    missing_fields: tuple[str, ...] = ()
    stale: tuple[str, ...] = ()


@dataclass
class KeyLayoutMigration:
    """What ``migrate_cluster_keys`` did for one model.

    ``migrated`` counts the documents moved to ``{Prefix:pk}`` (with their set and queue
    keys); ``conflicts`` lists old keys left alone because the new key already existed;
    ``skipped`` lists old keys a cluster cannot rename (a pk with its own hash tag).
    """

    model: str
    migrated: int = 0
    conflicts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
