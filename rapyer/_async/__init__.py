"""The async implementation: the only hand-written code that does I/O."""

from __future__ import annotations
