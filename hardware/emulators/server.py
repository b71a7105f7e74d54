"""Serve an emulator over TCP (`socket://host:port`) or a pty (a real tty path).

Both hand every received line to `emulator.handle_line` and write the replies back, so any
client (this package's drivers, a terminal, another language) can drive the emulated controller.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import socketserver
import threading
from typing import Any

EOL = (b"\n", b"\r")


def _split_lines(buffer: bytearray) -> list[str]:
    lines: list[str] = []
    while True:
        cuts = [i for i in (buffer.find(b"\n"), buffer.find(b"\r")) if i >= 0]
        if not cuts:
            return lines
        cut = min(cuts)
        line = buffer[:cut].decode("ascii", "replace")
        del buffer[: cut + 1]
        if line.strip():
            lines.append(line)


class _Handler(socketserver.BaseRequestHandler):
    server: EmulatorTCPServer

    def handle(self) -> None:
        buffer = bytearray()
        while True:
            try:
                data = self.request.recv(4096)
            except OSError:
                return
            if not data:
                return
            buffer += data
            for line in _split_lines(buffer):
                replies = self.server.emulator.handle_line(line)
                if replies:
                    self.request.sendall("".join(replies).encode("ascii", "replace"))


class EmulatorTCPServer(socketserver.ThreadingTCPServer):
    """`EmulatorTCPServer(emulator, ("127.0.0.1", 0))`; `.port` is the bound port."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, emulator: Any, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.emulator = emulator
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        host = self.server_address[0]
        host = host.decode() if isinstance(host, bytes) else str(host)
        return f"socket://{host}:{self.port}"

    def start(self) -> EmulatorTCPServer:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class EmulatorPty:
    """A pseudo-terminal whose far end is the emulator (Linux/macOS). `.port` is the tty path."""

    def __init__(self, emulator: Any) -> None:
        import tty  # noqa: PLC0415

        self.emulator = emulator
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> EmulatorPty:
        self._thread.start()
        return self

    def _serve(self) -> None:
        buffer = bytearray()
        while True:
            ready, _, _ = select.select([self._master, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            try:
                buffer += os.read(self._master, 4096)
            except OSError:
                return
            for line in _split_lines(buffer):
                replies = self.emulator.handle_line(line)
                if replies:
                    os.write(self._master, "".join(replies).encode("ascii", "replace"))

    def stop(self) -> None:
        os.write(self._stop_w, b"x")
        self._thread.join(timeout=5)
        for fd in (self._master, self._slave, self._stop_r, self._stop_w):
            with contextlib.suppress(OSError):
                os.close(fd)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
