"""`explorer compare`: progress curves of many runs, grouped, with a CSV of the numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from explorer.cli.app import app, err, out
from explorer.errors import ConfigError
from explorer.heavy_modules import heavy
from explorer.plots.style import FORMATS, save


@app.command()
def compare(
    run_dirs: Annotated[list[Path], typer.Argument(help="run directories (e.g. runs/*)")],
    by: Annotated[
        str,
        typer.Option(help="group runs by: strategy, name, seed or a dotted config path"),
    ] = "strategy",
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="output folder (default: comparison/ beside the first run)"),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="png, svg or pdf")] = "png",
    classes_scalar: Annotated[
        str, typer.Option(help="measured scalar holding a class label, for classes-found curves")
    ] = "class_label",
    classes: Annotated[
        str | None,
        typer.Option(
            help="ground-truth label of the replayed dataset (e.g. phase_class) whose classes "
            "found are scored; replaces --classes-scalar"
        ),
    ] = None,
) -> None:
    """Best-so-far / hypervolume / classes-found / stage-travel curves of many runs: median and
    IQR bands per group, plus compare_curves.csv and compare_summary.csv."""
    compare_runs = heavy("explorer.analysis.run_compare", "compare_runs")
    final_table = heavy("explorer.analysis.run_compare", "final_table")
    write_csv = heavy("explorer.analysis.run_compare", "write_csv")
    compare_figure = heavy("explorer.plots.compare_figures", "compare_figure")

    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    c = compare_runs(run_dirs, by=by, classes_scalar=classes_scalar, classes=classes)
    for s in c.skipped:
        err.print(f"note: skipped {s}", markup=False)
    if c.reference is not None:
        out.print(
            f"hypervolume reference ({c.reference.source}): {c.reference.values}", markup=False
        )
    target = out_dir or run_dirs[0].resolve().parent / "comparison"
    for p in write_csv(c, target):
        out.print(f"wrote {p}")
    fig_path = save(compare_figure(c), target / f"compare.{fmt}")
    out.print(f"wrote {fig_path}")
    table = final_table(c)
    if not table.empty:
        out.print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"), markup=False)
