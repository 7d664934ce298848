"""``rapyer._types.hot.int_reply`` reads an int reply as the general path's JSON decoding."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rapyer._types import hot
from rapyer._types.base import first_match

REPLIES = st.one_of(
    st.text(max_size=8),
    st.integers().map(lambda n: f"[{n}]"),
    st.text(alphabet="[]-+0123456789.e_ ", max_size=8),
)


@given(reply=REPLIES)
def test_int_reply_reads_what_the_json_decoder_reads(reply):
    new = hot.int_reply(reply)
    if new is not None:
        assert first_match(reply) == (True, new)
        assert type(first_match(reply)[1]) is int


def test_int_reply_refuses_what_is_not_one_int():
    for reply in [
        "[1.0]",
        "[]",
        "[null]",
        "[1,2]",
        "[+1]",
        "[1_0]",
        "[ 1]",
        "[-]",
        "[٣]",
        "1",
        None,
    ]:
        assert hot.int_reply(reply) is None
    assert hot.int_reply("[-12]") == -12
