"""`explorer pareto RUN_DIR`: the final Pareto front as a table, and a CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from explorer.analysis.pareto_report import pareto_table, write_csv
from explorer.analysis.recommendation import run_recommendation, summary_lines
from explorer.analysis.rundata import RunData
from explorer.cli.app import app, out
from explorer.engine.rundir import is_run_dir
from explorer.errors import ConfigError


@app.command()
def pareto(
    run_dir: Annotated[Path, typer.Argument(help="run directory")],
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="CSV to write (default RUN_DIR/pareto.csv)")
    ] = None,
) -> None:
    """Print the final (feasible) Pareto front of a run and the model's recommended
    (posterior) Pareto set, and write the observed front as CSV."""
    from rich.table import Table  # noqa: PLC0415

    if not is_run_dir(run_dir):
        raise ConfigError(
            f"{run_dir} is not a run directory (expected config.yaml and events.jsonl)"
        )
    data = RunData.load(run_dir)
    if len(data.objective_names) < 2:
        raise ConfigError(f"{run_dir} has one objective; a Pareto front needs at least two")
    table = pareto_table(data)
    view = Table(title=f"Observed Pareto front of {data.name} ({len(table.rows)} points)")
    for c in table.columns:
        arrow = {"maximize": " ↑", "minimize": " ↓"}.get(data.directions.get(c, ""), "")
        view.add_column(c + arrow, justify="right")
    for r in table.rows:
        view.add_row(*[str(int(v)) if j < 2 else f"{v:.4g}" for j, v in enumerate(r)])
    out.print(view)
    hv = (
        "n/a (no reference point: set a campaign-level `ref_point:`)"
        if table.hypervolume is None
        else f"{table.hypervolume:.6g}"
    )
    out.print(
        f"{table.n_measured} measured, {table.n_feasible} feasible; hypervolume {hv}"
        + (f" w.r.t. {table.ref_point}" if table.ref_point else "")
    )
    for line in summary_lines(data, run_recommendation(data), max_points=8):
        out.print(line)
    path = write_csv(table, csv_path or run_dir / "pareto.csv")
    out.print(f"wrote {path}")
