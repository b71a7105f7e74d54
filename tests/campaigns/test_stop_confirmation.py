"""The facade's safe state records only what was confirmed: with the stage link cut, the stop
is 'sent, not acknowledged' and the position unknown, never `stage_stopped: true`."""

from __future__ import annotations

import contextlib
import socket
import threading
from pathlib import Path
from typing import Any

import yaml

from explorer.config import parse_config
from explorer.engine.events import Fault, Measured, read_events
from explorer.engine.session import start_new
from hardware.emulators import emulator_for
from hardware.emulators.server import EmulatorTCPServer
from hardware.journal import read_journal
from tests.conftest import CAMPAIGNS


class CuttableLink:
    """A real TCP relay between the driver and the emulator's server; `cut()` closes both
    sides, as a pulled cable or a crashed controller would."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self) -> None:
        try:
            client, _ = self.listener.accept()
        except OSError:
            return
        upstream = socket.create_connection(self.target)
        self.sockets += [client, upstream]
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(4096):
                dst.sendall(data)
        except OSError:
            return

    def cut(self) -> None:
        for s in [self.listener, *self.sockets]:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


def _config(tmp_path: Path, port: str) -> dict[str, Any]:
    cfg = yaml.safe_load((CAMPAIGNS / "smbfo-zaber-emulated.yaml").read_text())
    cfg["instrument"]["stage"].update(port=port, clock_from_emulator="dead-link")
    cfg["strategy"] = {"kind": "random"}
    cfg["stop"] = {"max_points": 4}
    cfg["output"] = {"dir": str(tmp_path / "runs")}
    return cfg


def test_a_stop_into_a_dead_link_is_not_recorded_as_confirmed(tmp_path) -> None:
    emulator = emulator_for("emu://zaber?name=dead-link&microstep_um=0.1&travel_mm=50")
    with EmulatorTCPServer(emulator, ("127.0.0.1", 0)) as server:
        server.start()
        link = CuttableLink(("127.0.0.1", server.port))
        session = start_new(parse_config(_config(tmp_path, link.url)), arm_hardware=True)

        def cut_after_first(event: Any) -> None:
            if isinstance(event, Measured):
                link.cut()

        session.log.subscribe(cut_after_first)
        try:
            outcome = session.runner.run()
        finally:
            session.close()
            server.stop()
    assert outcome.status == "fault", outcome
    (fault,) = read_events(session.run_dir / "events.jsonl").of_type(Fault)
    assert fault.safe_state["stage_stopped"] is not True, fault.safe_state
    assert fault.safe_state["position_mm"] == "unknown"
    safe = [r for r in read_journal(session.run_dir / "journal.jsonl") if r["kind"] == "safe_state"]
    assert "not acknowledged" in str(safe[-1]["stage_stopped"]), safe[-1]
    assert safe[-1]["position_mm"] == "unknown"
