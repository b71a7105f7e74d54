"""The Nanonis TCP framing (Nanonis "TCP Protocol" document), both directions.

Request: a 40-byte header (command name, NUL-padded to 32 bytes; body size, int32; "send
response back" flag, uint16; two zero bytes) followed by the big-endian body. Response: the
same header layout (name, body size, four zero bytes), the big-endian return values, then the
error section: error status (uint32), error description size (int32), description.

Strings travel as an int32 length and the bytes; string arrays as the size in bytes of the
array, the number of strings, and each string length-prefixed; 2D float32 arrays as rows,
columns and row-major data.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

HEADER_BYTES = 40
NAME_BYTES = 32


class NanonisFramingError(Exception):
    """A malformed request (short header, truncated body, missing argument)."""


@dataclass(frozen=True)
class Request:
    name: str
    body: bytes
    wants_response: bool


def recv_exact(sock: socket.socket, n: int) -> bytes:
    """Exactly `n` bytes, or b"" if the peer closed the connection before the first byte."""
    chunks: list[bytes] = []
    got = 0
    while got < n:
        chunk = sock.recv(n - got)
        if not chunk:
            if got == 0:
                return b""
            raise NanonisFramingError(f"connection closed after {got} of {n} bytes")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_request(sock: socket.socket) -> Request | None:
    """The next request on `sock`, or None when the client closed the connection."""
    header = recv_exact(sock, HEADER_BYTES)
    if not header:
        return None
    name = header[:NAME_BYTES].rstrip(b"\0").decode("ascii", "replace")
    size, flag = struct.unpack(">iH", header[NAME_BYTES : NAME_BYTES + 6])
    if size < 0:
        raise NanonisFramingError(f"{name}: negative body size {size}")
    body = recv_exact(sock, size) if size else b""
    if len(body) != size:
        raise NanonisFramingError(f"{name}: body truncated")
    return Request(name, body, bool(flag))


def encode_request(name: str, body: bytes, *, wants_response: bool = True) -> bytes:
    """A request frame (what the vendor client sends; used by tests of the server)."""
    return _name(name) + struct.pack(">iHH", len(body), int(wants_response), 0) + body


def encode_response(name: str, values: bytes, error: str = "") -> bytes:
    """A response frame: header, return values, error section."""
    text = error.encode("utf-8")
    body = values + struct.pack(">Ii", 1 if error else 0, len(text)) + text
    return _name(name) + struct.pack(">iI", len(body), 0) + body


def _name(name: str) -> bytes:
    raw = name.encode("ascii")
    if len(raw) > NAME_BYTES:
        raise NanonisFramingError(f"command name {name!r} is longer than {NAME_BYTES} bytes")
    return raw.ljust(NAME_BYTES, b"\0")


class BodyReader:
    """Arguments of a request, read in order (big-endian)."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name, self.data, self.at = name, data, 0

    def _take(self, fmt: str) -> tuple[object, ...]:
        size = struct.calcsize(">" + fmt)
        if self.at + size > len(self.data):
            raise NanonisFramingError(f"{self.name}: body too short for its arguments")
        values = struct.unpack_from(">" + fmt, self.data, self.at)
        self.at += size
        return values

    def scalar(self, code: str) -> float | int:
        """One value: f, d (floats), i, I, h, H (integers)."""
        value = self._take(code)[0]
        assert isinstance(value, int | float)
        return value

    def string(self) -> str:
        n = int(self.scalar("i"))
        (raw,) = self._take(f"{n}s")
        assert isinstance(raw, bytes)
        return raw.decode("utf-8", "replace")

    def array(self, code: str, n: int) -> list[float | int]:
        """`n` values without a length prefix."""
        return [v for v in self._take(f"{n}{code}") if isinstance(v, int | float)]

    def prefixed_array(self, code: str) -> list[float | int]:
        return self.array(code, int(self.scalar("i")))


class BodyWriter:
    """Return values of a response, written in order (big-endian)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def scalar(self, code: str, value: float) -> BodyWriter:
        self.parts.append(struct.pack(">" + code, int(value) if code in "iIhH" else value))
        return self

    def strings(self, items: Sequence[str]) -> BodyWriter:
        raw = [s.encode("utf-8") for s in items]
        size = sum(4 + len(r) for r in raw)
        self.parts.append(struct.pack(">ii", size, len(raw)))
        self.parts += [struct.pack(">i", len(r)) + r for r in raw]
        return self

    def floats(self, values: Sequence[float] | np.ndarray, *, prefixed: bool = True) -> BodyWriter:
        a = np.asarray(values, ">f4").ravel()
        if prefixed:
            self.parts.append(struct.pack(">i", a.size))
        self.parts.append(a.tobytes())
        return self

    def floats_2d(self, values: np.ndarray) -> BodyWriter:
        a = np.asarray(values, ">f4")
        self.parts.append(struct.pack(">ii", *a.shape))
        self.parts.append(a.tobytes())
        return self

    def bytes(self) -> bytes:
        return b"".join(self.parts)
