"""Command lists that are no save of one document (no I/O): the fast saves
(``_commands.document_script_args``, ``_lock.document_save_args``) must leave each of them to
their general path. Each test adds the cases of its own script (TTL commands ...)."""

from __future__ import annotations

from typing import Any

NOT_DOCUMENT_COMMANDS: list[list[tuple[Any, ...]]] = [
    [],
    [("JSON.SET", "k", "$", "{}"), ("JSON.SET", "k", "$.a", "1")],  # no NX: one write only
    [("JSON.SET", "k", "$.a", "1")],
    [("JSON.SET", "k", "$", "{}", "XX")],
    [("JSON.SET", "k", "$", "{}", "NX"), ("JSON.SET", "other", "$.a", "1")],
    [("JSON.SET", "k", "$", "{}", "NX"), ("JSON.SET", "k", "$.a", "1", "NX")],
    [("JSON.SET", "k", "$", "{}"), ("DEL", "__rapyer_special__:k:tags")],
    [("DEL", "k")],
]
