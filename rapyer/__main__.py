"""``python -m rapyer <command> ...``: rapyer's command-line tools (see ``rapyer._cli``)."""

from __future__ import annotations

from rapyer._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
