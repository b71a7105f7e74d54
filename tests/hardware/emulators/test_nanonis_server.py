"""The Nanonis TCP server: loopback only, and `stop()` drops live connections as a killed
controller would."""

from __future__ import annotations

import socket

import pytest

from tests.hardware.nanonis_bench import bench, client


def test_loopback_only_and_stop_drops_clients() -> None:
    with bench() as (_emu, server, _clock):
        assert server.server_address[0] == "127.0.0.1"
        nanonis = client(server)
        assert nanonis.Bias_Get()[0] == ""
        server.stop()
        assert nanonis.connection.recv(1) == b""  # the peer closed the connection
        nanonis.close()
        with pytest.raises(OSError):  # nothing listens any more
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
