"""Assemble the Nanonis probe and PFM of a lab instrument.

Over an emulated stage (an `emu://` port: a dry run, or an emulated bench armed or not) the
link goes to an in-process Nanonis emulator beside that stage emulator, over a simulated
sample, and the configured host is never contacted; otherwise to `settings.host:port`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from hardware.emulators import emulator_for
from hardware.emulators.nanonis_lab import serve_beside
from hardware.journal import Journal
from hardware.pfm.sample import SampleModel
from hardware.protocols import Clock
from hardware.vendors.nanonis import NanonisLink, NanonisProbe, NanonisSettings, client_class
from hardware.vendors.nanonis_sspfm import NanonisPFM

CompositionFn = Callable[[float, float], Mapping[str, float]]


def nanonis_devices(
    settings: NanonisSettings,
    *,
    stage_port: str,
    clock: Clock,
    journal: Journal,
    bias_limit_v: float,
    emulated_sample: Callable[[], tuple[SampleModel, CompositionFn]],
    seed: int,
) -> tuple[NanonisProbe, NanonisPFM]:
    """Probe and PFM sharing one link; `emulated_sample()` is called only when emulating."""
    client_class()  # a missing optional extra is reported before anything is opened
    server = None
    if stage_port.startswith("emu://"):
        sample, composition_at = emulated_sample()
        server = serve_beside(emulator_for(stage_port), sample, composition_at, seed=seed)
        settings = replace(settings, host="127.0.0.1", port=server.port)
    link = NanonisLink(settings, journal)
    if server is not None:
        link.on_close.append(server.stop)
    probe = NanonisProbe(link, clock, bias_limit_v=bias_limit_v)
    return probe, NanonisPFM(probe)
