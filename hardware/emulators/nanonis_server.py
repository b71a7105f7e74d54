"""Serve a `NanonisEmulator` on TCP, on 127.0.0.1 only (the Nanonis programming interface
listens on ports 6501-6504). One thread per connection; requests are answered in order."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading

from hardware.emulators.nanonis import NanonisEmulator
from hardware.emulators.nanonis_codec import NanonisFramingError, encode_response, read_request
from hardware.emulators.nanonis_commands import dispatch

LOOPBACK = "127.0.0.1"


class _Handler(socketserver.BaseRequestHandler):
    server: NanonisTCPServer

    def handle(self) -> None:
        self.server.track(self.request)
        try:
            while True:
                request = read_request(self.request)
                if request is None:
                    return
                values, error = dispatch(self.server.emulator, request.name, request.body)
                if request.wants_response:
                    self.request.sendall(encode_response(request.name, values, error))
        except (OSError, NanonisFramingError):
            return
        finally:
            self.server.untrack(self.request)


class NanonisTCPServer(socketserver.ThreadingTCPServer):
    """`NanonisTCPServer(emulator, port=0).start()`; `.port` is the bound port."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, emulator: NanonisEmulator, port: int = 6501) -> None:
        super().__init__((LOOPBACK, port), _Handler)
        self.emulator = emulator
        self._thread: threading.Thread | None = None
        self._clients: set[socket.socket] = set()
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self._clients.add(sock)

    def untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._clients.discard(sock)

    def start(self) -> NanonisTCPServer:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and drop every connection (what a killed controller does)."""
        self.shutdown()
        self.server_close()
        with self._lock:
            clients = list(self._clients)
        for sock in clients:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
