"""`explorer emulate zaber|prior|nanonis --port N`: serve a controller emulator over TCP."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import fields, replace
from pathlib import Path
from typing import Annotated, Any

import typer

from explorer.cli.app import app, out
from explorer.config.loading import load_config
from explorer.engine.build import composition_function
from explorer.errors import ConfigError
from hardware.assembly.lab import constant_composition
from hardware.assembly.samples import build_sample
from hardware.assembly.specs import SampleSpec
from hardware.clock import RealClock
from hardware.emulators.nanonis import NanonisEmulator, NanonisTiming
from hardware.emulators.nanonis_lab import stage_position
from hardware.emulators.nanonis_server import NanonisTCPServer
from hardware.emulators.prior import PriorEmulator
from hardware.emulators.server import EmulatorPty, EmulatorTCPServer
from hardware.emulators.zaber import ZaberEmulator

DEFAULT_PORTS = {"zaber": 5555, "prior": 5555, "nanonis": 6501}


@app.command()
def emulate(
    controller: Annotated[str, typer.Argument(help="zaber, prior or nanonis")],
    port: Annotated[
        int | None,
        typer.Option(help="TCP port on 127.0.0.1 (0: any free port; default 5555, nanonis 6501)"),
    ] = None,
    host: Annotated[str, typer.Option(help="address to bind (stage emulators)")] = "127.0.0.1",
    fault: Annotated[
        list[str] | None, typer.Option(help="inject a fault, KIND@N[xK] (repeatable)")
    ] = None,
    microstep_um: Annotated[float, typer.Option(help="Zaber microstep size")] = 0.1,
    serve_s: Annotated[float | None, typer.Option(help="stop after this many seconds")] = None,
    pty: Annotated[bool, typer.Option("--pty", help="serve on a pseudo-terminal instead")] = False,
    stage_port: Annotated[
        int | None,
        typer.Option(
            help="nanonis: also serve a Zaber stage emulator on this port; "
            "the tip sits on the sample where that stage is"
        ),
    ] = None,
    campaign: Annotated[
        Path | None,
        typer.Option(
            help="nanonis: take the sample and composition map from this "
            "campaign (default: SmBFO at Sm = 0.1 everywhere)"
        ),
    ] = None,
    time_scale: Annotated[
        float, typer.Option(help="nanonis: multiply approach/withdraw/motor durations")
    ] = 1.0,
) -> None:
    """Serve an emulated controller (wall clock) until Ctrl-C. Stages: use the printed
    `socket://HOST:PORT` (or, with --pty, the /dev/pts path) as the stage port. Nanonis: the
    Nanonis TCP programming interface on 127.0.0.1:PORT (`pfm: {kind: nanonis, port: PORT}`)."""
    if controller == "nanonis":
        _serve_nanonis(port, stage_port, campaign, time_scale, microstep_um, serve_s)
        return

    emulator = _emulator(controller, RealClock(), fault or [], microstep_um)
    server: EmulatorPty | EmulatorTCPServer
    if pty:
        server = EmulatorPty(emulator).start()
        where = server.port
    else:
        server = EmulatorTCPServer(
            emulator, (host, DEFAULT_PORTS["zaber"] if port is None else port)
        )
        server.start()
        where = server.url
    out.print(f"{controller} emulator listening on {where}", highlight=False)
    try:
        _wait(serve_s)
    finally:
        server.stop()


def _wait(serve_s: float | None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait(serve_s)


def _emulator(controller: str, clock: object, faults: list[str], microstep_um: float) -> object:
    try:
        if controller == "zaber":
            return ZaberEmulator(clock, microstep_um=microstep_um, faults=faults)  # type: ignore[arg-type]
        if controller == "prior":
            return PriorEmulator(clock, faults=faults)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ConfigError(f"--fault: {exc}") from None
    raise ConfigError(f"controller {controller!r} is not one of: zaber, prior, nanonis")


def _serve_nanonis(
    port: int | None,
    stage_port: int | None,
    campaign: Path | None,
    time_scale: float,
    microstep_um: float,
    serve_s: float | None,
) -> None:
    """A Nanonis emulator over the simulated sample, beside an optional Zaber emulator."""
    timing = _nanonis_timing(time_scale)
    clock = RealClock()
    sample, composition_at, seed = _nanonis_sample(campaign)
    position: Any = lambda: (0.0, 0.0)  # noqa: E731 - no stage: the tip stays at the origin
    stage_server = None
    if stage_port is not None:
        stage = ZaberEmulator(clock, microstep_um=microstep_um)
        stage_server = EmulatorTCPServer(stage, ("127.0.0.1", stage_port)).start()
        position = stage_position(stage)
        out.print(f"zaber emulator listening on {stage_server.url}", highlight=False)
    emulator = NanonisEmulator(clock, sample, composition_at, position, seed=seed, timing=timing)
    server = NanonisTCPServer(emulator, DEFAULT_PORTS["nanonis"] if port is None else port).start()
    out.print(f"nanonis emulator listening on 127.0.0.1:{server.port}", highlight=False)
    try:
        _wait(serve_s)
    finally:
        server.stop()
        if stage_server is not None:
            stage_server.stop()


def _nanonis_timing(time_scale: float) -> Any:
    """The emulator's timing with durations multiplied and speeds divided by `time_scale`."""
    if time_scale <= 0:
        raise ConfigError(f"--time-scale {time_scale}: give a positive factor, e.g. 0.01")
    base = NanonisTiming()
    scaled = {
        f.name: getattr(base, f.name) / time_scale if f.name.endswith("_per_s")
        else getattr(base, f.name) * time_scale
        for f in fields(base) if f.name.endswith("_s")
    }  # fmt: skip
    return replace(base, **scaled)


def _nanonis_sample(campaign: Path | None) -> tuple[Any, Any, int]:
    if campaign is None:
        return build_sample(SampleSpec("smbfo"), 0), constant_composition, 0

    cfg = load_config(campaign)
    name = getattr(getattr(cfg.instrument, "pfm", None), "sample", None)
    if name is None:  # the campaign names no simulated sample: SmBFO at a fixed composition
        return build_sample(SampleSpec("smbfo"), cfg.seed), constant_composition, cfg.seed
    return build_sample(SampleSpec(name), cfg.seed), composition_function(cfg), cfg.seed
