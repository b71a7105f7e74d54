"""`explorer bench latency | efficiency | threads | report`: this project's strategies next to
BoTorch and scikit-optimize, measured side by side in one process; the thread choice under load;
the report's build time."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from explorer.bench.efficiency import LIBRARIES, STRATEGIES, efficiency_plan, summarise
from explorer.bench.efficiency import to_json as efficiency_json
from explorer.bench.latency import METHODS, LatencySettings, ratios, run_latency
from explorer.bench.latency import to_json as latency_json
from explorer.bench.report_time import bench_report
from explorer.bench.report_time import to_json as report_json
from explorer.bench.targets import check_targets
from explorer.bench.threads import bench_threads
from explorer.bench.threads import ratios as thread_ratios
from explorer.bench.threads import to_json as threads_json
from explorer.cli.app import app, err, out
from explorer.cli.help_format import ExplorerApp
from explorer.cli.sweep_cmd import SweepReport
from explorer.config import read_yaml
from explorer.engine.threads import available_cores, busy_cores, current_threads, limit_threads
from explorer.errors import ConfigError
from explorer.plots.efficiency_figures import save_efficiency_plots
from explorer.sweep.execute import execute

if TYPE_CHECKING:
    from explorer.analysis.strategy_curves import StrategyCurves
    from explorer.bench.latency import Timing
    from explorer.bench.targets import TargetCheck

bench_app = ExplorerApp(
    no_args_is_help=True,
    help="Benchmarks: decision latency and sample efficiency vs BoTorch and scikit-optimize.",
)
app.add_typer(bench_app, name="bench")


def int_list(text: str, option: str) -> tuple[int, ...]:
    """'50,200,500' -> (50, 200, 500); ConfigError naming the option otherwise."""
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ConfigError(f"{option} {text!r}: expected comma-separated integers") from None
    if not values or min(values) < 1:
        raise ConfigError(f"{option} {text!r}: expected positive integers")
    return values


def _limits(items: list[str]) -> dict[str, int]:
    limits = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or name not in METHODS or not value.isdigit():
            raise ConfigError(
                f"--limit {item!r}: expected METHOD=MAX_OBS with METHOD one of {sorted(METHODS)}"
            )
        limits[name] = int(value)
    return limits


def _methods(text: str | None, n_objectives: int) -> tuple[str, ...]:
    if text is None:
        return tuple(k for k, m in METHODS.items() if m.n_objectives == n_objectives)
    names = tuple(v.strip() for v in text.split(",") if v.strip())
    for name in names:
        if name not in METHODS:
            raise ConfigError(f"--methods: unknown method {name!r}; use some of {sorted(METHODS)}")
        if METHODS[name].n_objectives != n_objectives:
            raise ConfigError(
                f"--methods: {name!r} optimises {METHODS[name].n_objectives} objective(s), "
                f"not --objectives {n_objectives}"
            )
    return names


@bench_app.command("latency")
def latency(
    n_obs: Annotated[str, typer.Option(help="observation counts")] = "50,200,500,1000,2000",
    dims: Annotated[str, typer.Option(help="feature dimensions")] = "2,3",
    candidates: Annotated[int, typer.Option(help="remaining candidates to score")] = 10_000,
    objectives: Annotated[int, typer.Option(help="1, or 2 (multi-objective rows)")] = 1,
    methods: Annotated[
        str | None, typer.Option(help="comma-separated; default: all for --objectives")
    ] = None,
    repeats: Annotated[int, typer.Option(help="timed calls per method and case")] = 3,
    threads: Annotated[int, typer.Option(help="threads for torch and BLAS (all methods)")] = 1,
    limit: Annotated[
        list[str] | None, typer.Option(help="METHOD=MAX_OBS: skip a slow method beyond")
    ] = None,
    trace: Annotated[bool, typer.Option(help="one extra tracemalloc call per method")] = True,
    seed: Annotated[int, typer.Option(help="seed of the synthetic problems")] = 0,
    json_path: Annotated[Path, typer.Option("--json", help="where to write results")] = Path(
        "bench-latency.json"
    ),
) -> None:
    """Time one decision (fit + acquisition over all candidates) per method on identical data."""
    if objectives not in (1, 2) or repeats < 1 or threads < 1 or candidates < 1:
        raise ConfigError("--objectives must be 1 or 2; --repeats, --threads, --candidates >= 1")
    settings = LatencySettings(
        dims=int_list(dims, "--dims"),
        n_obs=int_list(n_obs, "--n-obs"),
        n_candidates=candidates,
        n_objectives=objectives,
        methods=_methods(methods, objectives),
        repeats=repeats,
        trace=trace,
        seed=seed,
        limits=_limits(limit or []),
    )
    limit_threads(threads)
    load_before = os.getloadavg()
    with err.status("timing…") as status:
        timings = run_latency(settings, lambda msg: status.update(f"timing {msg}"))
    load_after = os.getloadavg()
    meta = {
        "cpus": os.cpu_count(),
        "threads": current_threads(),
        "load_average_before": load_before,
        "load_average_after": load_after,
    }
    record = latency_json(settings, timings, meta)
    checks = check_targets(timings)
    record["targets"] = [c.__dict__ for c in checks]
    json_path.write_text(json.dumps(record, indent=2))
    print_wide(_latency_table(timings))
    _print_targets(checks)
    out.print(
        f"load average {load_before[0]:.1f} -> {load_after[0]:.1f} on "
        f"{meta['cpus']} CPUs; absolute times on a shared machine are noisy, the ratios are "
        f"side by side. JSON: {json_path}"
    )


def _latency_table(timings: list[Timing]) -> Table:
    names = list(dict.fromkeys(t.method for t in timings))
    ours = next((name for name in names if METHODS[name].ours), None)
    others = [name for name in names if name != ours]
    table = Table(title="decision latency: median s per suggestion; Nx = times slower than ours")
    for col in ("d", "obs", "cand."):
        table.add_column(col, justify="right")
    for name in names:
        table.add_column(METHODS[name].label, justify="right")
    for name in others:
        table.add_column(f"{METHODS[name].label} / {ours}", justify="right")
    table.add_column(f"peak RSS MB {ours or ''}", justify="right")
    table.add_column(f"tracemalloc MB {ours or ''}", justify="right")
    rat = {(r.d, r.n_obs, r.method): r.ratio for r in ratios(timings)}
    rows: dict[tuple[int, int, int], dict[str, Timing]] = {}
    for t in timings:
        rows.setdefault((t.case.d, t.case.n_obs, t.case.n_candidates), {})[t.method] = t
    for (d, n_obs, n_cand), by in rows.items():
        cells = [str(d), str(n_obs), str(n_cand)]
        cells += [_seconds(by.get(name)) for name in names]
        cells += [f"{rat[(d, n_obs, o)]:.1f}x" if (d, n_obs, o) in rat else "–" for o in others]
        base = by.get(ours or "")
        mem = base.memory if base is not None else None
        cells.append(f"{mem.rss_peak_mb:.0f}" if mem else "–")
        traced = mem.traced_peak_mb if mem else None
        cells.append(f"{traced:.1f}" if traced is not None else "–")
        table.add_row(*cells)
    return table


def print_wide(table: Table) -> None:
    """Tables keep their columns when piped to a file (rich would squeeze them to 80)."""
    if out.is_terminal:
        out.print(table)
    else:
        Console(highlight=False, width=200).print(table)


def _seconds(t: Timing | None) -> str:
    if t is None:
        return "–"
    if t.skipped:
        return "skipped"
    return f"{t.median_s:.3f}" if t.median_s is not None else "–"


def _print_targets(checks: list[TargetCheck]) -> None:
    for c in checks:
        mark = {True: "[green]met[/green]", False: "[red]NOT met[/red]", None: "not measured"}
        out.print(f"target {c.name}: {c.required}, measured {c.measured} — {mark[c.met]}")


def _libraries(names: list[str], files: list[Path]) -> dict[str, dict[str, object]]:
    libs: dict[str, dict[str, object]] = {}
    for name in names:
        if name not in LIBRARIES:
            raise ConfigError(
                f"--library {name!r} is not built in ({sorted(LIBRARIES)}); "
                "pass a partial campaign YAML with --library-file"
            )
        libs[name] = LIBRARIES[name]
    for path in files:
        data = read_yaml(path)
        if not isinstance(data, dict):
            raise ConfigError(f"--library-file {path}: expected a mapping (library, instrument...)")
        libs[path.stem] = data
    return libs


def _strategies(text: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in text.split(",") if v.strip())
    bad = [n for n in names if n not in STRATEGIES]
    if bad or not names:
        raise ConfigError(f"--strategies: unknown {bad}; use some of {sorted(STRATEGIES)}")
    return names


@bench_app.command("efficiency")
def efficiency(
    library: Annotated[list[str] | None, typer.Option(help="built-in library (repeatable)")] = None,
    library_file: Annotated[
        list[Path] | None, typer.Option(help="partial campaign YAML: library/instrument/...")
    ] = None,
    strategies: Annotated[str, typer.Option(help="comma-separated")] = "gp_bo,botorch,skopt,random",
    seeds: Annotated[int, typer.Option(help="campaigns per strategy (seeds 1..N)")] = 10,
    max_points: Annotated[int, typer.Option(help="measurements per campaign")] = 30,
    checkpoints: Annotated[str, typer.Option(help="table columns")] = "10,20,30",
    workers: Annotated[int | None, typer.Option(help="LocalCluster workers")] = None,
    scheduler: Annotated[str | None, typer.Option(help="tcp://HOST:PORT")] = None,
    serial: Annotated[bool, typer.Option(help="no Dask, this process")] = False,
    out_dir: Annotated[Path, typer.Option("--out", help="parent directory")] = Path("runs/bench"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Best-so-far vs measurements over seeds (median, IQR) for strategies side by side."""
    import pandas as pd  # noqa: PLC0415

    if seeds < 1 or max_points < 1:
        raise ConfigError("--seeds and --max-points must be >= 1")
    if sum(x is not None for x in (workers, scheduler, serial or None)) > 1:
        raise ConfigError("use at most one of --scheduler, --workers and --serial")
    libs = _libraries(library or ([] if library_file else ["smbfo-sim"]), library_file or [])
    steps = int_list(checkpoints, "--checkpoints")
    plan = efficiency_plan(libs, _strategies(strategies), range(1, seeds + 1), max_points, out_dir)
    out.print(f"{len(plan.tasks)} campaigns -> {plan.sweep_dir}")
    with SweepReport(len(plan.tasks), quiet) as report:
        outcome = execute(
            plan, scheduler=scheduler, workers=workers, serial=serial, progress=report
        )
    summary = summarise(pd.read_parquet(outcome.results_path), pd.read_parquet(outcome.curves_path))
    (plan.sweep_dir / "efficiency.json").write_text(json.dumps(efficiency_json(summary), indent=2))
    print_wide(_efficiency_table(summary, steps))
    for path in save_efficiency_plots(summary, str(plan.sweep_dir)):
        out.print(f"wrote {path}")
    raise typer.Exit(0 if outcome.n_failed == 0 else 1)


def _band_cell(median: float, q25: float, q75: float) -> str:
    return f"{median:.3g} [{q25:.3g}, {q75:.3g}]"


def _efficiency_table(summary: list[StrategyCurves], steps: tuple[int, ...]) -> Table:
    table = Table(title="sample efficiency: median [25 %, 75 %] over seeds")
    for col in ("library", "strategy", "runs"):
        table.add_column(col)
    for k in steps:
        table.add_column(f"best @ {k}", justify="right")
    table.add_column("true gap @ last", justify="right")
    for s in summary:
        cells = [
            s.dataset,
            s.strategy,
            f"{s.n_runs}" + (f" ({s.n_failed} failed)" if s.n_failed else ""),
        ]
        for k in steps:
            ok = k <= len(s.best.median)
            cells.append(
                _band_cell(s.best.median[k - 1], s.best.q25[k - 1], s.best.q75[k - 1])
                if ok
                else "–"
            )
        g = s.true_gap
        cells.append(
            _band_cell(g.median[-1], g.q25[-1], g.q75[-1])
            if g is not None and len(g.median)
            else "–"
        )
        table.add_row(*cells)
    return table


@bench_app.command("threads")
def threads_bench(
    campaign: Annotated[Path, typer.Argument(help="campaign YAML to time")] = Path(
        "campaigns/phases-novelty.yaml"
    ),
    max_points: Annotated[int, typer.Option(help="measurements per run")] = 20,
    settings: Annotated[
        str, typer.Option(help="comma-separated --threads settings ('auto' = the default)")
    ] = "auto",
    load: Annotated[
        int | None, typer.Option(help="CPU-burning background processes (default: one per core)")
    ] = None,
    seed: Annotated[int, typer.Option(help="campaign seed (the same for every run)")] = 0,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the runs here")] = None,
) -> None:
    """The same campaign on a quiet machine, then under CPU-burning load: wall times, ratio."""
    cores = available_cores()
    n_load = cores if load is None else load
    if max_points < 1 or n_load < 0:
        raise ConfigError("--max-points must be >= 1 and --load >= 0")
    parsed = tuple(
        None if s.strip() == "auto" else int_list(s, "--settings")[0]
        for s in settings.split(",")
        if s.strip()
    )
    meta = {
        "campaign": str(campaign),
        "max_points": max_points,
        "load": n_load,
        "cores_available": cores,
        "cores_busy_before": busy_cores(),
        "seed": seed,
    }
    runs = bench_threads(campaign, max_points=max_points, settings=parsed, load=n_load, seed=seed)
    for r in runs:
        label = "auto" if r.threads is None else str(r.threads)
        out.print(f"threads {label:>4}  load {r.load}  {r.wall_s:8.1f} s")
    for label, ratio in thread_ratios(runs).items():
        out.print(f"threads {label}: loaded / quiet = {ratio:.2f}x (target <= 1.5x)")
    if json_out is not None:
        json_out.write_text(json.dumps(threads_json(runs, meta), indent=2))
        out.print(f"wrote {json_out}")


@bench_app.command("report")
def report_bench(
    run_dir: Annotated[Path, typer.Argument(help="run directory whose report to build")],
    warm: Annotated[int, typer.Option(min=0, help="warm builds after the cold one")] = 2,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the builds here")] = None,
) -> None:
    """Time `explorer report RUN_DIR` in fresh processes: cold (no posterior cache), then warm."""
    if not (run_dir / "events.jsonl").is_file():
        raise ConfigError(f"{run_dir} is not a run directory (expected events.jsonl)")
    builds = bench_report(run_dir, warm=warm)
    for b in builds:
        out.print(f"{'cold' if b.cold else 'warm'}  wall {b.wall_s:6.2f} s  cpu {b.cpu_s:6.2f} s")
    if json_out is not None:
        meta = {"run_dir": str(run_dir), "cores_busy_before": busy_cores()}
        json_out.write_text(json.dumps(report_json(builds, meta), indent=2))
        out.print(f"wrote {json_out}")
