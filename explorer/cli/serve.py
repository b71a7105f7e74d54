"""`explorer serve`: the live dashboard of a run (or of every run under a folder)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer

from explorer.cli.app import app, out
from explorer.dashboard.runs import open_runs
from explorer.dashboard.security import AccessPolicy
from explorer.errors import ConfigError
from explorer.heavy_modules import heavy


@app.command()
def serve(
    run_dir: Annotated[
        Path | None, typer.Argument(help="run directory to follow (or use --runs)")
    ] = None,
    runs: Annotated[
        Path | None, typer.Option("--runs", help="serve every run under this folder, side by side")
    ] = None,
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port (0: any free one)")] = 8050,
    host: Annotated[
        str, typer.Option(help="address to bind; anything but loopback requires the token")
    ] = "127.0.0.1",
    allow_actions: Annotated[
        bool,
        typer.Option("--allow-actions", help="with --runs: allow steering (read-only otherwise)"),
    ] = False,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="serve RUN_DIR without any steering actions")
    ] = False,
) -> None:
    """Serve a live dashboard: it follows the event log as it grows and steers the run
    (approve/veto, queue, votes, pause/resume/abort, weights) through its control files."""
    try:
        address = heavy("explorer.dashboard.server", "address")
        serve_forever = heavy("explorer.dashboard.server", "serve_forever")
    except ImportError as exc:
        raise ConfigError(
            f"explorer serve needs the dashboard extra ({exc.name} is missing): "
            "pip install -c constraints.txt -e '.[dashboard]'"
        ) from None

    writable = allow_actions if runs is not None else not read_only
    served = open_runs(run_dir, runs, writable)
    policy = AccessPolicy.for_bind(host, port if port else _free_port(host))
    out.print(f"dashboard: {address(policy)}  ({'steering on' if writable else 'read-only'})")
    if policy.token:
        out.print(f"token: {policy.token} (required on every request from a non-loopback address)")
    serve_forever(served, policy)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
