# GENERATED from rapyer/_async/__init__.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""The operations that do I/O, one module per group (see the development page)."""

from __future__ import annotations
