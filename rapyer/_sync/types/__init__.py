# GENERATED from rapyer/_async/types/__init__.py by scripts/gen_sync.py. DO NOT EDIT.
# Change the async source and run: python scripts/gen_sync.py
"""Field-layer operations (their blocking twins end in ``_now``)."""

from __future__ import annotations
