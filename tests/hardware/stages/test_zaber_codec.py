"""Zaber ASCII codec: every reply form, checksums, strict parsing, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.stages.zaber_codec import (
    WARNING_FLAGS,
    ZaberCodecError,
    ZaberCommand,
    ZaberReply,
    format_command,
    format_reply,
    lrc,
    parse_command,
    parse_reply,
    parse_warnings,
)


def test_checksum_is_twos_complement_of_the_byte_sum() -> None:
    body = "01 0 OK IDLE -- 0"
    cc = int(lrc(body), 16)
    assert (sum(body.encode()) + cc) % 256 == 0


def test_checksum_matches_zabers_reference_vector() -> None:
    # Zaber's own Rust library (zproto, ascii/checksum.rs) verifies b"01 tools echo" with 143:
    # the sum covers the message after the leading '/' or '@' and before ':'.
    assert lrc("01 tools echo") == f"{143:02X}"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("@01 0 OK IDLE -- 0", ZaberReply(1, 0, None, "OK", "IDLE", "--", "0")),
        ("@01 1 07 OK BUSY WR 0\r\n", ZaberReply(1, 1, 7, "OK", "BUSY", "WR", "0")),
        ("@02 2 RJ IDLE FS BADDATA", ZaberReply(2, 2, None, "RJ", "IDLE", "FS", "BADDATA")),
        ("@01 0 12 OK IDLE NI 100 200", ZaberReply(1, 0, 12, "OK", "IDLE", "NI", "100 200")),
    ],
)
def test_parse_reply_forms(line, expected) -> None:
    assert parse_reply(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "",
        "garbage",
        "@01 0 MAYBE IDLE -- 0",
        "@01 0 OK SLEEPY -- 0",
        "@01 0 OK IDLE XX 0",  # not a Zaber flag
        "@1 0 OK IDLE -- 0",  # device must be two digits
        "@01 0 OK IDLE -- 0:00",  # wrong checksum
        "@01 0 OK IDLE -- 0:ZZ",
        "#01 0 info line",
        "\x00",
    ],
)
def test_parse_reply_is_strict(line) -> None:
    with pytest.raises(ZaberCodecError):
        parse_reply(line)


def test_warnings_data() -> None:
    assert parse_warnings("02 FS WL") == frozenset({"FS", "WL"})
    assert parse_warnings("00") == frozenset()
    for bad in ("01", "02 FS", "01 QQ", "x FS"):
        with pytest.raises(ZaberCodecError):
            parse_warnings(bad)


def test_command_format_and_parse() -> None:
    line = format_command(ZaberCommand(1, 2, 5, "move abs 1000"))
    assert line.startswith("/1 2 05 move abs 1000:") and line.endswith("\n")
    assert parse_command(line) == ZaberCommand(1, 2, 5, "move abs 1000")
    assert parse_command("/") == ZaberCommand(0, 0, None, "")
    assert parse_command("/1 0 get pos") == ZaberCommand(1, 0, None, "get pos")
    with pytest.raises(ZaberCodecError):
        parse_command("/1 0 get pos:00")


flags = st.sampled_from(sorted(WARNING_FLAGS | {"--"}))
data = st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=3).map(
    lambda v: " ".join(map(str, v))
)


@given(
    st.integers(1, 99),
    st.integers(0, 9),
    st.one_of(st.none(), st.integers(0, 99)),
    st.sampled_from(["OK", "RJ"]),
    st.sampled_from(["IDLE", "BUSY"]),
    flags,
    data,
    st.booleans(),
)
def test_reply_round_trip(dev, axis, ident, flag, status, warn, payload, checksum) -> None:
    reply = ZaberReply(dev, axis, ident, flag, status, warn, payload)
    assert parse_reply(format_reply(reply, checksum=checksum)) == reply


@given(
    st.integers(0, 99),
    st.integers(0, 9),
    st.one_of(st.none(), st.integers(0, 99)),
    st.sampled_from(["", "home", "get pos", "move abs 5", "set limit.max 100"]),
)
def test_command_round_trip(dev, axis, ident, text) -> None:
    cmd = ZaberCommand(dev, axis, ident, text)
    assert parse_command(format_command(cmd)) == cmd
