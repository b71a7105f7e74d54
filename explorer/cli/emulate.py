"""`explorer emulate zaber|prior --port 5555`: serve a controller emulator over TCP."""

from __future__ import annotations

import threading
from typing import Annotated

import typer

from explorer.cli.app import app, out
from explorer.errors import ConfigError


@app.command()
def emulate(
    controller: Annotated[str, typer.Argument(help="zaber or prior")],
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1 (0: any free port)")] = 5555,
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    fault: Annotated[
        list[str] | None, typer.Option(help="inject a fault, KIND@N[xK] (repeatable)")
    ] = None,
    microstep_um: Annotated[float, typer.Option(help="Zaber microstep size")] = 0.1,
    serve_s: Annotated[float | None, typer.Option(help="stop after this many seconds")] = None,
    pty: Annotated[bool, typer.Option("--pty", help="serve on a pseudo-terminal instead")] = False,
) -> None:
    """Serve an emulated stage controller (wall clock) until Ctrl-C; use the printed
    `socket://HOST:PORT` (or, with --pty, the /dev/pts path) as the stage port."""
    from hardware.clock import RealClock
    from hardware.emulators.server import EmulatorPty, EmulatorTCPServer

    emulator = _emulator(controller, RealClock(), fault or [], microstep_um)
    server: EmulatorPty | EmulatorTCPServer
    if pty:
        server = EmulatorPty(emulator).start()
        where = server.port
    else:
        server = EmulatorTCPServer(emulator, (host, port)).start()
        where = server.url
    out.print(f"{controller} emulator listening on {where}", highlight=False)
    stopped = threading.Event()
    try:
        stopped.wait(serve_s)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def _emulator(controller: str, clock: object, faults: list[str], microstep_um: float) -> object:
    try:
        if controller == "zaber":
            from hardware.emulators.zaber import ZaberEmulator

            return ZaberEmulator(clock, microstep_um=microstep_um, faults=faults)  # type: ignore[arg-type]
        if controller == "prior":
            from hardware.emulators.prior import PriorEmulator

            return PriorEmulator(clock, faults=faults)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ConfigError(f"--fault: {exc}") from None
    raise ConfigError(f"controller {controller!r} is not one of: zaber, prior")
