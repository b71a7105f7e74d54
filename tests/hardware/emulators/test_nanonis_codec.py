"""The Nanonis framing on the wire: request and response headers, the error section, requests
without a response, a truncated argument, a closed peer."""

from __future__ import annotations

import socket
import struct

import pytest

from hardware.emulators.nanonis_codec import (
    BodyReader,
    BodyWriter,
    NanonisFramingError,
    encode_request,
    read_request,
    recv_exact,
)
from tests.hardware.nanonis_bench import bench


def test_framing_on_the_wire() -> None:
    with (
        bench() as (_emu, server, _clock),
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock,
    ):
        sock.sendall(encode_request("Bias.Set", struct.pack(">f", 1.25)))
        header = recv_exact(sock, 40)
        assert header[:32].rstrip(b"\0") == b"Bias.Set"
        (size,) = struct.unpack(">i", header[32:36])
        assert recv_exact(sock, size) == struct.pack(">Ii", 0, 0)  # no values, no error
        sock.sendall(encode_request("Bias.Set", b"\x00"))  # truncated argument
        (size,) = struct.unpack(">i", recv_exact(sock, 40)[32:36])
        status, length = struct.unpack(">Ii", recv_exact(sock, size)[:8])
        assert status == 1 and length > 0
        sock.sendall(encode_request("Bias.Get", b"", wants_response=False))
        sock.sendall(encode_request("Bias.Get", b""))
        (size,) = struct.unpack(">i", recv_exact(sock, 40)[32:36])
        assert struct.unpack(">f", recv_exact(sock, size)[:4]) == (1.25,)


def test_read_request_reports_a_closed_peer() -> None:
    a, b = socket.socketpair()
    b.close()
    assert read_request(a) is None
    a.close()


def test_body_reader_and_writer_round_trip() -> None:
    body = BodyWriter().scalar("i", 3).strings(["a", "bc"]).floats([1.5, 2.5]).bytes()
    r = BodyReader("X", body)
    assert r.scalar("i") == 3 and r.scalar("i") == 2 * 4 + 3 and r.scalar("i") == 2
    assert [r.string(), r.string()] == ["a", "bc"]
    assert r.prefixed_array("f") == [1.5, 2.5]
    with pytest.raises(NanonisFramingError, match="body too short"):
        r.scalar("d")
