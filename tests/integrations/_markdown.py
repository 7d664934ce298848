"""Code blocks of the Markdown pages, as a reader copies them (indentation of tabs removed)."""

from __future__ import annotations

import re


def code_blocks(text: str, language: str) -> list[str]:
    """The fenced blocks of ``language`` in ``text``, in order, dedented to their fence."""
    blocks = []
    pattern = rf"^( *)```{re.escape(language)}\n(.*?)^\1```"
    for match in re.finditer(pattern, text, re.M | re.S):
        indent = len(match.group(1))
        lines = [line[indent:] for line in match.group(2).splitlines()]
        blocks.append("\n".join(lines) + "\n")
    return blocks
