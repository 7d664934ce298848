"""Keys for the tests that a fast path of a key agrees with the general path (no I/O): usual
keys and bare pks, both key layouts, lock-like keys, text subclasses and things that are no
text, which the general path refuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from rapyer.fields import RapyerKey

KEYS = st.one_of(
    st.text(max_size=12),
    st.text(max_size=8).map(lambda pk: "User:" + pk),
    st.text(max_size=8).map(lambda pk: "acct:" + pk),
    st.text(max_size=8).map(lambda pk: "{User:" + pk + "}"),
    st.text(max_size=8).map(lambda pk: "{Pinned:" + pk + "}"),
    st.text(max_size=8).map(lambda pk: pk + ":lock"),
    st.text(max_size=8).map(lambda pk: pk + "/a:lock"),
    st.text(max_size=8).map(lambda pk: "User:" + pk + ":lock"),
    st.text(max_size=8).map(lambda pk: "User:" + pk + "/x:lock"),
    st.sampled_from(["", ":", "{", "}", "{x}", "User:", "acct:", "lock", ":lock", "/:lock"]),
    st.builds(type("TextSub", (str,), {}), st.text(max_size=6)),
    st.text(max_size=8).map(lambda pk: RapyerKey("User:" + pk)),
    st.text(max_size=8).map(RapyerKey),
    st.sampled_from([None, b"User:x", 7]),
)


def general_outcome(
    general: Callable[[type[Any], Any], Any], cls: type[Any], key: Any
) -> tuple[str, Any]:
    """``("ok", key)`` from the general path ``general(cls, key)``, or ``("raised", error type)``."""
    try:
        return "ok", general(cls, key)
    except Exception as exc:  # the general path's refusal
        return "raised", type(exc)
