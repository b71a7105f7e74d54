"""Running the benchmark: each task is one sweep (its campaign as the base, the strategies as
overrides, paired seeds) on one shared executor (explorer.sweep.executors), then every run is
scored at every budget against the task's truth table."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from explorer.analysis.rundata import RunData
from explorer.benchmark.curiosity_loss import LossGrid, LossJob, loss_grid, score_job
from explorer.benchmark.registry import RegistryConfig, TaskConfig, skip_reason
from explorer.benchmark.scores import score_run
from explorer.benchmark.truth import truth_table
from explorer.config import load_config, parse_config
from explorer.engine.build import build_library
from explorer.errors import ConfigError
from explorer.sweep.execute import execute
from explorer.sweep.executors import run_all
from explorer.sweep.spec import SweepPlan, deep_merge, plan_sweep

SCORE_CACHE = "curiosity_loss_scores.json"  # beside a run directory: its scores (a rerun reuses)


@dataclass(frozen=True)
class RunScore:
    """One (strategy, seed) run of a task: its score at each budget and decision times."""

    strategy: str
    seed: int
    scores: dict[int, float]
    decision_s: list[float]
    decision_cpu_s: list[float] = field(default_factory=list)  # empty for runs that lack it


@dataclass(frozen=True)
class TaskOutcome:
    name: str
    task: TaskConfig
    runs: list[RunScore] = field(default_factory=list)
    skipped: str | None = None
    failed: list[str] = field(default_factory=list)


def task_plan(
    name: str, task: TaskConfig, reg: RegistryConfig, seeds: list[int], out: Path
) -> SweepPlan:
    """The sweep of one task: every strategy on the task campaign, the same seeds."""
    base = load_config(task.campaign).model_dump(mode="json", by_alias=True)
    base = deep_merge(base, task.overrides)
    data = {
        "schema_version": 1,
        "name": name,
        "base": base,
        "overrides": {s: reg.strategies[s] for s in task.strategies},
        "datasets": {"task": {}},
        "seeds": seeds,
        "max_points": max(task.budgets),
        "output": {"dir": str(out)},
    }
    return plan_sweep(data, source=f"benchmark task {name}")


def run_task(
    name: str, task: TaskConfig, reg: RegistryConfig, seeds: list[int], out: Path, pool: Executor
) -> TaskOutcome:
    """Run (or reuse) every campaign of the task and score it; a task whose data is missing
    is skipped with the reason."""
    reason = skip_reason(task)
    if reason is not None:
        return TaskOutcome(name, task, skipped=reason)
    plan = task_plan(name, task, reg, seeds, out)
    outcome = execute(plan, executor=pool)
    cfg = parse_config(plan.tasks[0].campaign)
    arrays = [task.score.array] if task.score.kind == "curiosity_loss" and task.score.array else []
    if task.score.kind == "curiosity_loss" and not arrays:
        raise ConfigError(f"task {name}: score curiosity_loss needs score.array (the spectrum key)")
    truth = truth_table(cfg, arrays)
    grid = loss_grid(truth, build_library(cfg).features, arrays[0]) if arrays else None
    loaded, failed = [], []
    for row in outcome.results:
        if row["status"] != "success" or not row.get("run_dir"):
            failed.append(f"{row['task']}: {row.get('reason')}")
            continue
        run = RunData.load(Path(row["run_dir"]))
        if len(run.location_ids) < max(task.budgets):
            raise ConfigError(
                f"{run.run_dir}: {len(run.location_ids)} measurements, fewer than the budget"
            )
        loaded.append((run, row))
    scores = _scores(loaded, task, truth, grid, pool)
    runs = [_run_score(run, row, s) for (run, row), s in zip(loaded, scores, strict=True)]
    return TaskOutcome(name, task, runs, failed=failed)


def _scores(
    loaded: list[tuple[RunData, dict[str, Any]]],
    task: TaskConfig,
    truth: Any,
    grid: LossGrid | None,
    pool: Executor,
) -> list[dict[int, float]]:
    """Every run's score at every budget; a surrogate-trained score (curiosity loss, about a
    minute of CPU per run) is computed on the executor's workers, one run per job."""
    ids = [[int(i) for i in run.location_ids] for run, _ in loaded]
    if grid is None:
        return [
            {b: score_run(task.score, truth, i, b, run.directions) for b in task.budgets}
            for i, (run, _) in zip(ids, loaded, strict=True)
        ]
    jobs = [
        LossJob(
            Path(row["run_dir"]).parent / SCORE_CACHE,
            grid,
            truth.rows(i),
            tuple(task.budgets),
            task.score,
            int(row["seed"]),
        )
        for i, (_, row) in zip(ids, loaded, strict=True)
    ]
    return run_all(score_job, jobs, pool)


def _run_score(run: RunData, row: dict[str, Any], scores: dict[int, float]) -> RunScore:
    picks = [s for s in run.suggested if s.origin == "strategy"]
    modelled = [s for s in picks if s.acquisition is not None]  # past a two-phase design
    decisions = [float(s.decision_s) for s in (modelled or picks)]
    cpu = [s.decision_cpu_s for s in (modelled or picks)]
    cpu_s = [float(c) for c in cpu if c is not None]
    if len(cpu_s) < len(cpu):  # a run written before CPU time was logged
        cpu_s = []
    return RunScore(str(row["override"]), int(row["seed"]), scores, decisions, cpu_s)


@dataclass(frozen=True)
class DecisionTimes:
    """A strategy's decision times over all its runs of a task (s).

    Wall time depends on what else the machine runs; CPU time (every thread of the process) is
    what a decision needs of one free core. `cpu_max_s` is None when a run did not record it.
    """

    median_s: float
    p90_s: float
    cpu_median_s: float | None
    cpu_max_s: float | None


def decision_times(runs: list[RunScore], strategy: str) -> DecisionTimes:
    mine = [r for r in runs if r.strategy == strategy]
    t = np.array([d for r in mine for d in r.decision_s])
    if not len(t):
        return DecisionTimes(0.0, 0.0, None, None)
    recorded = all(len(r.decision_cpu_s) == len(r.decision_s) for r in mine)
    cpu = np.array([d for r in mine for d in r.decision_cpu_s])
    cpu_median, cpu_max = (float(np.median(cpu)), float(cpu.max())) if recorded else (None, None)
    return DecisionTimes(float(np.median(t)), float(np.percentile(t, 90)), cpu_median, cpu_max)
