"""A Nanonis emulator on 127.0.0.1 over the simulated SmBFO sample, for the Nanonis tests
(skipped with a reason where SPECS' client `nanonis_spm` is not installed)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from hardware.assembly.samples import build_sample
from hardware.assembly.specs import SampleSpec
from hardware.clock import SimClock
from hardware.emulators.nanonis import NanonisEmulator, NanonisTiming
from hardware.emulators.nanonis_server import NanonisTCPServer

nanonis_spm = pytest.importorskip(
    "nanonis_spm", reason="SPECS' client is the optional extra: pip install '.[nanonis]'"
)


@contextmanager
def bench(
    position_mm: tuple[float, float] = (5.0, 3.0), sample: str = "smbfo", **timing: float
) -> Iterator[tuple[NanonisEmulator, NanonisTCPServer, SimClock]]:
    """An emulator (SimClock) served on a free port, tip over a fixed stage position."""
    clock = SimClock()
    model = build_sample(SampleSpec(sample), 7)
    emulator = NanonisEmulator(
        clock,
        model,
        lambda x, y: {"Sm": 0.02 * x, "Sc": 0.2, "B": 0.05},
        lambda: position_mm,
        seed=7,
        timing=NanonisTiming(**timing),
    )
    server = NanonisTCPServer(emulator, 0).start()
    try:
        yield emulator, server, clock
    finally:
        server.stop()


def client(server: NanonisTCPServer) -> Any:
    """The vendor's client, unmodified, on a fresh connection."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    return nanonis_spm.Nanonis(sock)
