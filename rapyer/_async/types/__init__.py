"""Field-layer operations (their blocking twins end in ``_now``)."""

from __future__ import annotations
