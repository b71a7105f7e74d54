"""`explorer plot`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from explorer.cli.common import app, out
from explorer.errors import ConfigError


@app.command()
def plot(
    run_dir: Annotated[Path, typer.Argument(help="run directory")],
    fmt: Annotated[str, typer.Option("--format", help="png, svg or pdf")] = "png",
) -> None:
    """Write plots of a run into RUN_DIR/plots/."""
    from explorer.plots.basic import save_basic_plots
    from explorer.rundata import RunData
    from explorer.rundir import is_run_dir

    if fmt not in ("png", "svg", "pdf"):
        raise ConfigError(f"--format {fmt!r} is not one of png, svg, pdf")
    if not is_run_dir(run_dir):
        raise ConfigError(
            f"{run_dir} is not a run directory (expected config.yaml and events.jsonl)"
        )
    data = RunData.load(run_dir)
    if not data.measured:
        raise ConfigError(f"{run_dir} has no measurements to plot yet")
    plots = run_dir / "plots"
    plots.mkdir(exist_ok=True)
    for p in save_basic_plots(data, str(plots), fmt):
        out.print(f"wrote {p}")
