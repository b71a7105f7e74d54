"""`explorer benchmark`: strategies x tasks x paired seeds, scored, as a leaderboard."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from explorer.benchmark.leaderboard import leaderboard, markdown
from explorer.benchmark.registry import load_registry
from explorer.benchmark.run import run_task
from explorer.cli.app import app, out
from explorer.errors import ConfigError
from explorer.plots.benchmark_figures import save_task_plot
from explorer.sweep.executors import InlineExecutor, dask_executor

DEFAULT_REGISTRY = Path("campaigns/benchmark/registry.yaml")


def _names(text: str | None, known: list[str], option: str) -> list[str]:
    if text is None:
        return known
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ConfigError(f"{option} {text!r}: unknown {unknown}; known: {', '.join(known)}")
    return names


def _ints(text: str | None, option: str) -> list[int] | None:
    if text is None:
        return None
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ConfigError(f"{option} {text!r}: expected comma-separated integers") from None
    if not values or min(values) < 1:
        raise ConfigError(f"{option} {text!r}: expected positive integers")
    return values


@app.command()
def benchmark(
    registry: Annotated[
        Path, typer.Option(help="task registry YAML (user tasks: the same format)")
    ] = DEFAULT_REGISTRY,
    tasks: Annotated[str | None, typer.Option(help="comma-separated tasks (default: all)")] = None,
    strategies: Annotated[
        str | None, typer.Option(help="comma-separated strategies (default: each task's own)")
    ] = None,
    seeds: Annotated[int, typer.Option(min=2, help="paired seeds per strategy (0..N-1)")] = 5,
    budgets: Annotated[
        str | None, typer.Option(help="comma-separated budgets for every task (default: its own)")
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="LocalCluster workers")] = None,
    serial: Annotated[bool, typer.Option(help="no Dask: every run in this process")] = False,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("runs/benchmark"),
) -> None:
    """Run the benchmark suite and write leaderboard.md, leaderboard.json and a plot per task."""
    reg = load_registry(registry)
    chosen = _names(tasks, list(reg.tasks), "--tasks")
    budget_list = _ints(budgets, "--budgets")
    picked = {}
    for name in chosen:
        task = reg.tasks[name]
        own = _names(strategies, task.strategies, "--strategies") if strategies else task.strategies
        update: dict[str, object] = {"strategies": own}
        if budget_list:
            update["budgets"] = budget_list
        picked[name] = task.model_copy(update=update)
    seed_list = list(range(seeds))
    out_dir.mkdir(parents=True, exist_ok=True)
    outcomes = []
    executor = nullcontext(InlineExecutor()) if serial else dask_executor(None, workers)
    with executor as pool:
        for name, task in picked.items():
            out.print(f"task {name}: {', '.join(task.strategies)} x {seeds} seeds")
            outcomes.append(run_task(name, task, reg, seed_list, out_dir, pool))
    meta = {
        "command": "explorer benchmark "
        + " ".join(f"--{k} {v}" for k, v in (("seeds", seeds), ("budgets", budgets)) if v),
        "registry": str(registry),
        "seeds": seed_list,
    }
    board = leaderboard(outcomes, meta)
    (out_dir / "leaderboard.json").write_text(json.dumps(board, indent=2))
    (out_dir / "leaderboard.md").write_text(markdown(board))
    for name, entry in board["tasks"].items():
        path = save_task_plot(name, entry, out_dir)
        if path is not None:
            out.print(f"wrote {path}")
    out.print(f"wrote {out_dir / 'leaderboard.md'} and leaderboard.json")
    failed = sum(len(t.failed) for t in outcomes)
    raise typer.Exit(0 if failed == 0 else 1)
