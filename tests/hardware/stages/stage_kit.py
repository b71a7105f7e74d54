"""Stages shared by the stage tests: a simulated world and an emulated Zaber stage."""

from __future__ import annotations

import itertools

from hardware.clock import SimClock
from hardware.emulators import emulator_for, register_url_handler
from hardware.journal import Journal
from hardware.pfm.smbfo import SmBFOParams, SmBFOSample
from hardware.sim import SimWorld
from hardware.stages.zaber_ascii import ZaberAsciiStage
from hardware.transport import SerialTransport

NAMES = itertools.count()


TRAVEL = ((0.0, 50.0), (0.0, 50.0))


def sim_world(clock) -> SimWorld:
    return SimWorld(SmBFOSample(SmBFOParams(), 1), lambda x, y: {"Sm": 0.1}, 1, clock)


def zaber_stage() -> tuple[ZaberAsciiStage, SimClock]:
    register_url_handler()
    url = f"emu://zaber?name=contract{next(NAMES)}&travel_mm=50"
    emu = emulator_for(url)
    t = SerialTransport(url, Journal(None, emu.clock.now_s), source="stage")
    return ZaberAsciiStage(t, emu.clock, microstep_um=0.1, travel_mm=TRAVEL), emu.clock
