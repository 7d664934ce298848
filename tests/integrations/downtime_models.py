"""The model of the index downtime test, before and after one more indexed field.

Imported by the test and by the querying process (``index_querier.py``).
"""

from __future__ import annotations

from typing import Annotated

from rapyer import AtomicRedisModel, Index, RedisConfig

DOCS = 20_000
RARE_EVERY = 100  # every 100th document has the status "rare": 200 documents


def status_of(i: int) -> str:
    if i % RARE_EVERY == 0:
        return "rare"
    return "open" if i % 2 else "closed"


def ticket(extra: bool) -> type[AtomicRedisModel]:
    """``DowntimeTicket``; with ``extra`` its ``n`` is indexed too (same qualified name, so
    the second definition replaces the first in the registry)."""
    if extra:

        class DowntimeTicket(AtomicRedisModel):
            Meta = RedisConfig(key_prefix="DowntimeTicket")
            status: Annotated[str, Index()] = ""
            n: Annotated[int, Index()] = 0

    else:

        class DowntimeTicket(AtomicRedisModel):  # type: ignore[no-redef]
            Meta = RedisConfig(key_prefix="DowntimeTicket")
            status: Annotated[str, Index()] = ""
            n: int = 0

    return DowntimeTicket
