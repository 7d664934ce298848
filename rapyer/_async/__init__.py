"""The operations that do I/O, one module per group (see the development page)."""

from __future__ import annotations
