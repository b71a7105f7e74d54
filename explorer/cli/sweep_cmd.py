"""`explorer sweep SWEEP.yaml`: a grid of campaigns on Dask, results as Parquet tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from explorer.cli.app import app, err, out
from explorer.errors import ConfigError
from explorer.sweep.execute import execute
from explorer.sweep.spec import load_sweep

if TYPE_CHECKING:
    from explorer.sweep.execute import SweepOutcome
    from explorer.sweep.task_summary import TaskResult


@app.command()
def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="sweep YAML file")],
    scheduler: Annotated[
        str | None, typer.Option(help="tcp://HOST:PORT of a running Dask scheduler")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="LocalCluster worker processes (default: CPU count)")
    ] = None,
    serial: Annotated[bool, typer.Option(help="no Dask: run every task in this process")] = False,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="parent directory (overrides output.dir)")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Run every campaign of a sweep (finished ones are reused) and gather the results."""
    if sum(x is not None and x is not False for x in (scheduler, workers, serial or None)) > 1:
        raise ConfigError("use at most one of --scheduler, --workers and --serial")
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers {workers}: must be >= 1")
    plan = load_sweep(sweep_file, out=out_dir)
    where = scheduler or ("this process" if serial else "a local Dask cluster")
    out.print(f"sweep {plan.name}: {len(plan.tasks)} campaigns on {where} -> {plan.sweep_dir}")
    report = SweepReport(len(plan.tasks), quiet)
    with report:
        outcome = execute(
            plan, scheduler=scheduler, workers=workers, serial=serial, progress=report
        )
    _print_outcome(outcome)
    raise typer.Exit(0 if outcome.n_failed == 0 else 1)


class SweepReport:
    """Progress bar + failures printed with their traceback as they arrive."""

    def __init__(self, total: int, quiet: bool) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn  # noqa: PLC0415

        self.quiet = quiet
        self.progress = Progress(
            "[bold]campaigns",
            BarColumn(),
            MofNCompleteColumn(),
            "{task.fields[note]}",
            TimeElapsedColumn(),
            console=err,
        )
        self.task = self.progress.add_task("sweep", total=total, note="")
        self.failed = 0
        self.reused = 0

    def __enter__(self) -> SweepReport:
        if not self.quiet:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, result: TaskResult) -> None:
        row = result.row
        if row["status"] != "success":
            self.failed += 1
            detail = row.get("error") or row.get("reason")
            self.progress.console.print(
                f"task {row['task']} {row['status']}:\n{detail}", markup=False, highlight=False
            )
        self.reused += bool(row.get("reused"))
        note = f"{self.failed} failed, {self.reused} reused"
        self.progress.update(self.task, advance=1, note=note)


def _print_outcome(outcome: SweepOutcome) -> None:
    ok = len(outcome.results) - outcome.n_failed
    out.print(
        f"{ok} of {len(outcome.results)} campaigns succeeded"
        + (f", {outcome.n_failed} failed (see above)" if outcome.n_failed else "")
        + f"\nresults: {outcome.results_path}\ncurves:  {outcome.curves_path}"
    )
