"""`explorer bench curiosity`: the paper's curiosity-vs-random evaluation on the PTO SSPFM cube.

Registers on the `bench` group of explorer.cli.bench_cmd (latency, efficiency).
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from explorer.cli.app import err, out
from explorer.cli.bench_cmd import bench_app
from explorer.errors import ConfigError
from explorer.heavy_modules import heavy
from explorer.plots.curiosity_figures import save_curiosity_plots
from explorer.sweep.executors import dask_executor

if TYPE_CHECKING:
    from explorer.bench.curiosity_trial import TrialResult

EXTERNAL_DATA_ENV = "COMBI_EXTERNAL_DATA"
CUBE_IN_EXTERNAL = Path("pto-sspfm-curiosity") / "norm_polarization.npy"


def default_cube() -> Path:
    """The paper's cube in the external-data folder ($COMBI_EXTERNAL_DATA; it is not shipped)."""
    return Path(os.environ.get(EXTERNAL_DATA_ENV, "")) / CUBE_IN_EXTERNAL


def _crop(text: str | None) -> tuple[int, int, int, int] | None:
    if text is None:
        return None
    try:
        r0, r1, c0, c1 = (int(v) for v in text.split(","))
    except ValueError:
        raise ConfigError(f"--crop {text!r}: expected ROW0,ROW1,COL0,COL1 (pixels)") from None
    return (r0, r1, c0, c1)


def _check(trials: int, measurements: int, initial: int, workers: int) -> None:
    problems = []
    if trials < 1:
        problems.append(f"--trials {trials}: must be at least 1 (50 reproduces the paper)")
    if initial < 1:
        problems.append(f"--initial {initial}: must be at least 1 (the paper uses 30)")
    if measurements <= initial:
        problems.append(
            f"--measurements {measurements}: must exceed --initial {initial} "
            "(the paper uses 100 after 30 random points)"
        )
    if workers < 0:
        problems.append(f"--workers {workers}: must be >= 0 (0 = one per CPU core)")
    if problems:
        raise ConfigError(problems[0], tuple(problems))


@bench_app.command("curiosity")
def curiosity(
    trials: Annotated[int, typer.Option(help="trials per strategy")] = 50,
    measurements: Annotated[int, typer.Option(help="measurements after the start point")] = 100,
    out_dir: Annotated[Path, typer.Option("--out", help="directory for JSON + PNGs")] = Path(
        "runs/bench-curiosity"
    ),
    workers: Annotated[int, typer.Option(help="parallel processes (0 = CPU cores)")] = 0,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="run the trials on this Dask scheduler (tcp://HOST:8786) instead of local "
            "processes, as `explorer sweep --scheduler` does"
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="root seed of every trial")] = 20250427,
    dataset: Annotated[
        Path | None,
        typer.Option(help="norm_polarization.npy cube (default: in $COMBI_EXTERNAL_DATA)"),
    ] = None,
    initial: Annotated[int, typer.Option(help="random points after the start")] = 30,
    sigma: Annotated[float, typer.Option(help="MC-dropout uncertainty weight (2 = variant)")] = 0.0,
    crop: Annotated[
        str | None, typer.Option(help="ROW0,ROW1,COL0,COL1 image window (quick checks only)")
    ] = None,
    check_paper: Annotated[
        bool, typer.Option("--check-paper", help="exit 1 unless the paper's table is reproduced")
    ] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="keep the trials already finished in --out")
    ] = False,
    only: Annotated[
        str | None, typer.Option(help="run one strategy only: curiosity or random")
    ] = None,
    notebook_random_initial: Annotated[
        bool,
        typer.Option(
            "--notebook-random-initial",
            help="random baseline as the authors' notebook ran it (one pixel measured 31 "
            "times); for explaining the paper's random number only",
        ),
    ] = False,
    device: Annotated[
        str, typer.Option(help="torch device of the trial models: cpu, cuda or cuda:N")
    ] = "cpu",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Curiosity vs random (same initial points, models and schedule) for T trials x N
    measurements; writes curiosity_results.json and histogram / curve PNGs to --out."""

    BenchSettings = heavy("explorer.bench.curiosity_benchmark", "BenchSettings")
    compare_with_paper = heavy("explorer.bench.curiosity_benchmark", "compare_with_paper")
    format_table = heavy("explorer.bench.curiosity_benchmark", "format_table")
    paper_conditions = heavy("explorer.bench.curiosity_benchmark", "paper_conditions")
    run_in_dir = heavy("explorer.bench.curiosity_benchmark", "run_in_dir")
    write_json = heavy("explorer.bench.curiosity_benchmark", "write_json")
    curve_data = heavy("explorer.bench.curiosity_figure_data", "curve_data")
    histogram_data = heavy("explorer.bench.curiosity_figure_data", "histogram_data")
    GridSpec = heavy("explorer.bench.curiosity_trial", "GridSpec")
    TrialSettings = heavy("explorer.bench.curiosity_trial", "TrialSettings")
    AcquisitionParams = heavy("novelty.curiosity.acquisition", "AcquisitionParams")
    resolve_device = heavy("novelty.curiosity.learner", "resolve_device")

    _check(trials, measurements, initial, workers)
    if only not in (None, "curiosity", "random"):
        raise ConfigError(f"--only {only!r}: use curiosity or random")
    strategies = (only,) if only else ("curiosity", "random")
    window = _crop(crop)
    try:
        resolve_device(device)
    except ValueError as exc:
        raise ConfigError(f"--device {exc}") from None
    dataset = dataset or default_cube()
    if not dataset.is_file():
        raise ConfigError(
            f"--dataset {dataset}: file not found; pass the path of norm_polarization.npy "
            f"(default: ${EXTERNAL_DATA_ENV}/{CUBE_IN_EXTERNAL}; the data is not shipped)"
        )
    ts = TrialSettings(
        measurements,
        initial,
        AcquisitionParams(sigma=sigma),
        seed=seed,
        notebook_random_initial=notebook_random_initial,
    )
    settings = BenchSettings(trials, replace(GridSpec(), crop=window), ts, strategies)
    n_workers = workers or os.cpu_count() or 1

    def progress(r: TrialResult) -> None:
        if not quiet:
            err.print(f"trial {r.trial} {r.strategy}: loss {r.loss:.3f} ({r.wall_s:.0f} s)")

    def resumed(n: int) -> None:
        err.print(f"resuming: {n} finished trial runs kept from {out_dir}")

    run = partial(
        run_in_dir,
        dataset,
        settings,
        out_dir,
        workers=n_workers,
        resume=resume,
        device=device,
        on_result=progress,
        on_resume=resumed,
    )
    if scheduler is None:
        result = run()
    else:
        with dask_executor(scheduler, None) as executor:
            result = run(executor=executor)
    path = write_json(result, out_dir / "curiosity_results.json")
    pngs = save_curiosity_plots(
        histogram_data(result, "loss"),
        histogram_data(result, "max_loss"),
        curve_data(result),
        out_dir,
    )
    out.print(format_table(result))
    out.print(f"wrote {path}, " + ", ".join(str(p) for p in pngs))
    if check_paper and not (
        trials > 1 and paper_conditions(settings) and compare_with_paper(result).reproduced
    ):
        raise typer.Exit(1)
