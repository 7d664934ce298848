# GENERATED from rapyer/_async/__init__.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""The async implementation: the only hand-written code that does I/O."""

from __future__ import annotations
