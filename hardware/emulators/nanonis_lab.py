"""A Nanonis emulator standing beside an emulated stage: the tip sits on the simulated sample
at the stage emulator's position (what a dry run, a test bench and `explorer emulate nanonis
--stage-port` use)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hardware.emulators.nanonis import NanonisEmulator, NanonisTiming
from hardware.emulators.nanonis_server import NanonisTCPServer
from hardware.pfm.sample import SampleModel
from hardware.protocols import Clock


def stage_position(stage_emulator: Any) -> Callable[[], tuple[float, float]]:
    """The (x, y) mm position of a Zaber or Prior emulator, read when called."""
    if hasattr(stage_emulator, "position_um"):

        def zaber_mm() -> tuple[float, float]:
            x_um, y_um = stage_emulator.position_um()[:2]
            return x_um / 1000.0, y_um / 1000.0

        return zaber_mm

    def prior_mm() -> tuple[float, float]:
        with stage_emulator._lock:
            stage_emulator._update()
            x, y = stage_emulator.pos
        return x / stage_emulator.counts_per_mm, y / stage_emulator.counts_per_mm

    return prior_mm


def serve_beside(
    stage_emulator: Any,
    sample: SampleModel,
    composition_at: Callable[[float, float], Mapping[str, float]],
    *,
    clock: Clock | None = None,
    seed: int = 0,
    port: int = 0,
    timing: NanonisTiming | None = None,
) -> NanonisTCPServer:
    """Start a Nanonis emulator on 127.0.0.1:`port` (0: any free port) over the stage's
    position, on the stage emulator's clock unless one is given."""
    emulator = NanonisEmulator(
        clock or stage_emulator.clock,
        sample,
        composition_at,
        stage_position(stage_emulator),
        seed=seed,
        timing=timing,
    )
    return NanonisTCPServer(emulator, port).start()
