"""`explorer plot` and `explorer report`: figures and the HTML report of one run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from explorer.analysis.rundata import RunData
from explorer.cli.app import app, err, out
from explorer.engine.integrity import check_run_dir
from explorer.engine.rundir import is_run_dir
from explorer.errors import ConfigError
from explorer.plots.figures import render, write
from explorer.plots.style import FORMATS
from explorer.report.page import write_report

if TYPE_CHECKING:
    from explorer.analysis.rundata import RunData

STEPS_HELP = (
    "decisions to draw posterior maps for, named by the measurement number (1-based) each "
    "chose, and/or 'final', comma separated (default: first, middle and last model-based "
    "decision)"
)


def parse_steps(text: str | None) -> list[int | None] | None:
    """'5,12,final' -> [4, 11, None]: the decisions that chose measurements 5 and 12
    (suggested.step counts the measurements before a decision); ConfigError if malformed."""
    if text is None:
        return None
    steps: list[int | None] = []
    for part in (p.strip() for p in text.split(",")):
        if part in ("final", "last"):
            steps.append(None)
        elif part.isdigit() and int(part) >= 1:
            steps.append(int(part) - 1)
        else:
            raise ConfigError(
                f"--steps: {part!r} is not a measurement number >= 1 or 'final'; "
                "e.g. --steps 5,12,final"
            )
    return steps


def load_run(run_dir: Path, action: str = "plot") -> RunData:
    """The run's data once the log and raw/ agree (explorer.engine.integrity), else one
    refusal naming the files."""
    if not is_run_dir(run_dir):
        raise ConfigError(
            f"{run_dir} is not a run directory (expected config.yaml and events.jsonl)"
        )
    data = RunData.load(run_dir)
    check_run_dir(run_dir, data.log, action=action)
    if not data.measured:
        raise ConfigError(f"{run_dir} has no measurements to plot yet")
    return data


@app.command()
def plot(
    run_dir: Annotated[Path, typer.Argument(help="run directory")],
    fmt: Annotated[str, typer.Option("--format", help="png, svg or pdf (vector)")] = "png",
    steps: Annotated[str | None, typer.Option("--steps", help=STEPS_HELP)] = None,
    dpi: Annotated[
        int | None, typer.Option(min=50, max=1200, help="raster resolution (default 200)")
    ] = None,
) -> None:
    """Write every figure of a run into RUN_DIR/plots/."""
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    chosen = parse_steps(steps)
    result = render(load_run(run_dir), steps=chosen)
    for p in write(result, run_dir / "plots", fmt, dpi):
        out.print(f"wrote {p}")
    _report_notes(result.notes, result.failed)


def _report_notes(notes: list[str], failed: list[str]) -> None:
    for n in notes:
        err.print(f"note: {n}", markup=False, soft_wrap=True)
    for f in failed:
        err.print(f"error: {f}", markup=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="run directory")],
    steps: Annotated[str | None, typer.Option("--steps", help=STEPS_HELP)] = None,
) -> None:
    """Write RUN_DIR/report.html: one self-contained page (config, summary, figures, front,
    warnings); it reloads itself while the run is still active."""
    load_run(run_dir, "report")
    path = write_report(run_dir, steps=parse_steps(steps))
    out.print(f"wrote {path}")
