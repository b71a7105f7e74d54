"""Assembling the Nanonis devices: over an emulated stage an in-process emulator (beside that
stage, over the given sample) answers; over a real stage port the configured host does."""

from __future__ import annotations

import pytest

from hardware.assembly.samples import build_sample
from hardware.assembly.specs import SampleSpec
from hardware.clock import SimClock
from hardware.emulators import emulator_for, register_url_handler
from hardware.errors import HardwareError
from hardware.journal import Journal
from hardware.vendors.nanonis import NanonisSettings
from hardware.vendors.nanonis_devices import nanonis_devices
from tests.hardware.nanonis_bench import nanonis_spm

assert nanonis_spm  # imported for its skip


def _devices(stage_port: str, calls: list[str]):
    def sample():
        calls.append("sample")
        return build_sample(SampleSpec("smbfo", "none"), 1), lambda x, y: {"Sm": 0.1}

    clock = SimClock()
    return nanonis_devices(NanonisSettings(port=1), stage_port=stage_port, clock=clock,
                           journal=Journal(None, clock.now_s), bias_limit_v=10.0,
                           emulated_sample=sample, seed=1)  # fmt: skip


def test_an_emulated_stage_gets_an_emulated_nanonis_beside_it() -> None:
    register_url_handler()
    port = "emu://zaber?name=nanonis-devices"
    emulator_for(port)
    calls: list[str] = []
    probe, _pfm = _devices(port, calls)
    probe.connect(timeout_s=5.0)  # port 1 in the settings: never used
    assert calls == ["sample"] and probe.link.settings.port != 1
    probe.close()  # stops the in-process emulator too
    with pytest.raises(HardwareError, match="cannot reach"):
        probe.connect(timeout_s=1.0)


def test_a_real_stage_port_means_the_configured_host() -> None:
    calls: list[str] = []
    probe, _pfm = _devices("COM3", calls)
    assert calls == [] and probe.link.settings.port == 1
    with pytest.raises(HardwareError, match=r"cannot reach the Nanonis software at 127\.0\.0\.1:1"):
        probe.connect(timeout_s=1.0)
