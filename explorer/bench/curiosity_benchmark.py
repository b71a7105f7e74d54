"""The paper's curiosity-vs-random evaluation as a reusable benchmark (`explorer bench curiosity`).

`run_benchmark` trains the patch featuriser once (as the authors do), then runs T trials of each
strategy with the same initial points and model initialisation per trial, in parallel processes
(`explorer.sweep.executors.spawn_pool`: spawn start method, one torch thread each), and
summarises loss and max-loss (mean ± std over trials, standard error, paired difference).

Parallel back ends: pass any `concurrent.futures.Executor` as `executor` to run the trials
elsewhere, e.g. a Dask cluster through `explorer.sweep.executors.dask_executor`; `run_trial` is
a top-level function of a picklable `TrialTask`, and every result depends only on its task
(not on the worker, the worker count or the order).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from explorer.bench.curiosity_trial import (
    GridSpec,
    PatchGrid,
    StepRecord,
    StrategyName,
    TrialResult,
    TrialSettings,
    TrialTask,
    load_grid,
    run_trial,
    trial_seed,
)
from explorer.errors import ConfigError
from explorer.sweep.executors import process_executor, run_all
from novelty.curiosity.learner import encode_patches, limit_threads, train_featuriser

#: Table of the paper (`curiosity_sampling.ipynb` output, 50 trials, 100 measurements):
#: mean and std of the loss, and the tolerance the reproduction must meet.
PAPER_LOSS: dict[str, tuple[float, float]] = {
    "curiosity": (13.470, 0.294),
    "random": (14.456, 0.754),
}
PAPER_TOLERANCE: dict[str, float] = {"curiosity": 0.05, "random": 0.07}
METRICS = ("loss", "max_loss")


@dataclass(frozen=True)
class BenchSettings:
    """A whole benchmark: T trials of each strategy on one cube."""

    trials: int = 50
    grid: GridSpec = field(default_factory=GridSpec)
    trial: TrialSettings = field(default_factory=TrialSettings)
    strategies: tuple[StrategyName, ...] = ("curiosity", "random")


def paper_conditions(settings: BenchSettings) -> bool:
    """True when the paper's table applies: whole 41 x 41 grid of the default image/spectra,
    start + 30 random points, 100 measurements (the models may differ: that is the test)."""
    return (
        settings.grid == GridSpec()
        and settings.trial.measurements == 100
        and settings.trial.n_random_initial == 30
        and not settings.trial.notebook_random_initial
    )


@dataclass(frozen=True)
class MetricSummary:
    """Mean and spread of one metric over trials (std with ddof=0, as numpy/the paper)."""

    n: int
    mean: float
    std: float
    se: float  # std(ddof=1) / sqrt(n)
    min: float
    max: float

    @classmethod
    def of(cls, values: Iterable[float]) -> MetricSummary:
        v = np.asarray(list(values), dtype=float)
        se = float(v.std(ddof=1) / math.sqrt(len(v))) if len(v) > 1 else float("nan")
        return cls(len(v), float(v.mean()), float(v.std()), se, float(v.min()), float(v.max()))


@dataclass(frozen=True)
class BenchmarkResult:
    settings: BenchSettings
    results: tuple[TrialResult, ...]
    source_sha256: str
    featuriser_wall_s: float
    wall_s: float

    def values(self, strategy: str, metric: str) -> np.ndarray:
        rows = sorted((r for r in self.results if r.strategy == strategy), key=lambda r: r.trial)
        return np.array([getattr(r, metric) for r in rows], dtype=float)

    def summary(self, strategy: str, metric: str = "loss") -> MetricSummary:
        return MetricSummary.of(self.values(strategy, metric))


@dataclass(frozen=True)
class PaperComparison:
    """The issue's acceptance checks against the paper's table."""

    curiosity: MetricSummary
    random: MetricSummary
    curiosity_rel_diff: float
    random_rel_diff: float
    curiosity_within: bool
    random_within: bool
    margin: float  # mean(random) - mean(curiosity)
    combined_se: float
    paired_diff: MetricSummary  # per-trial random - curiosity (same initial points)

    @property
    def beats_random(self) -> bool:
        return self.margin > self.combined_se

    @property
    def reproduced(self) -> bool:
        return self.curiosity_within and self.random_within and self.beats_random


def compare_with_paper(result: BenchmarkResult) -> PaperComparison:
    c, r = result.summary("curiosity"), result.summary("random")
    rc = c.mean / PAPER_LOSS["curiosity"][0] - 1.0
    rr = r.mean / PAPER_LOSS["random"][0] - 1.0
    diff = result.values("random", "loss") - result.values("curiosity", "loss")
    return PaperComparison(
        c,
        r,
        rc,
        rr,
        abs(rc) <= PAPER_TOLERANCE["curiosity"],
        abs(rr) <= PAPER_TOLERANCE["random"],
        r.mean - c.mean,
        math.hypot(c.se, r.se),
        MetricSummary.of(diff),
    )


def featuriser_key(grid: PatchGrid, settings: BenchSettings) -> str:
    """Identity of the featuriser latents: data, grid, featuriser settings and seed."""
    ident = {
        "source": grid.source_sha256,
        "grid": asdict(settings.grid),
        "featuriser": asdict(settings.trial.featuriser),
        "seed": settings.trial.seed,
    }
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:16]


def featurise(
    grid: PatchGrid, settings: BenchSettings, cache_dir: Path | None = None
) -> np.ndarray:
    """Train the patch autoencoder on every candidate patch (1 thread, so the latents do not
    depend on the machine's core count) and return the (n, d) latents; with `cache_dir`, the
    latents are kept in featuriser-<key>.npy and reused by later runs of the same settings."""
    path = cache_dir / f"featuriser-{featuriser_key(grid, settings)}.npy" if cache_dir else None
    if path is not None and path.is_file():
        return np.asarray(np.load(path, allow_pickle=False))
    limit_threads(1)
    model = train_featuriser(
        grid.patches, settings.trial.featuriser, trial_seed(settings.trial.seed, 0)
    )
    latents = encode_patches(model, grid.patches)
    if path is not None:
        np.save(path, latents)
    return latents


def make_tasks(
    grid: PatchGrid, features: np.ndarray, settings: BenchSettings, device: str = "cpu"
) -> list[TrialTask]:
    return [
        TrialTask(s, k, grid, features, settings.trial, device=device)
        for k in range(settings.trials)
        for s in settings.strategies
    ]


def run_tasks(
    tasks: list[TrialTask],
    *,
    workers: int = 1,
    executor: Executor | None = None,
    on_result: Callable[[TrialResult], None] | None = None,
) -> list[TrialResult]:
    """Run trials on `executor`, else inline (workers=1) or in `workers` spawned processes."""
    if executor is not None:
        return run_all(run_trial, tasks, executor, on_result)
    with process_executor(workers) as pool:
        return run_all(run_trial, tasks, pool, on_result)


def run_benchmark(
    cube: Path,
    settings: BenchSettings = BenchSettings(),
    *,
    workers: int = 1,
    executor: Executor | None = None,
    on_result: Callable[[TrialResult], None] | None = None,
    cache_dir: Path | None = None,
    done: Sequence[TrialResult] = (),
    device: str = "cpu",
) -> BenchmarkResult:
    """Featurise the cube once, run every trial not in `done`, return all per-trial results.

    `device` is where the trials' surrogate and error models run; the featuriser latents are
    always computed on the CPU (and cached), so every device sees the same features."""
    t0 = time.perf_counter()
    grid = load_grid(cube, settings.grid)
    features = featurise(grid, settings, cache_dir)
    t_feat = time.perf_counter() - t0
    finished = {(r.trial, r.strategy) for r in done}
    todo = [
        t
        for t in make_tasks(grid, features, settings, device)
        if (t.trial, t.strategy) not in finished
    ]
    results = list(done) + run_tasks(todo, workers=workers, executor=executor, on_result=on_result)
    order = {s: i for i, s in enumerate(settings.strategies)}
    results.sort(key=lambda r: (r.trial, order[r.strategy]))
    return BenchmarkResult(
        settings, tuple(results), grid.source_sha256, t_feat, time.perf_counter() - t0
    )


def format_table(result: BenchmarkResult) -> str:
    """Loss / max-loss per strategy and the comparison with the paper, as plain text."""
    s = result.settings
    lines = [
        f"curiosity vs random: {s.trials} trials x {s.trial.measurements} measurements "
        f"(start + {s.trial.n_random_initial} random initial points)",
        f"{'strategy':<10} {'loss mean':>10} {'± std':>7} {'SE':>6} "
        f"{'max-loss mean':>14} {'± std':>7} {'paper loss':>15}",
    ]
    for name in s.strategies:
        lo, ml = result.summary(name, "loss"), result.summary(name, "max_loss")
        paper = PAPER_LOSS.get(name)
        ptxt = f"{paper[0]:.3f} ± {paper[1]:.3f}" if paper else "-"
        lines.append(
            f"{name:<10} {lo.mean:>10.3f} {lo.std:>7.3f} {lo.se:>6.3f} "
            f"{ml.mean:>14.4f} {ml.std:>7.4f} {ptxt:>15}"
        )
    if {"curiosity", "random"} <= set(s.strategies) and s.trials > 1:
        if paper_conditions(s):
            lines += _comparison_lines(compare_with_paper(result))
        else:
            c = compare_with_paper(result)
            lines.append(
                f"random − curiosity = {c.margin:.3f}; combined SE = {c.combined_se:.3f} "
                "(the paper's table applies only to the full grid, 30 + 100 measurements)"
            )
    return "\n".join(lines)


def _comparison_lines(c: PaperComparison) -> list[str]:
    def ok(flag: bool) -> str:
        return "yes" if flag else "NO"

    return [
        f"curiosity mean vs paper 13.470: {c.curiosity_rel_diff:+.1%} "
        f"(within ±5%: {ok(c.curiosity_within)})",
        f"random    mean vs paper 14.456: {c.random_rel_diff:+.1%} "
        f"(within ±7%: {ok(c.random_within)})",
        f"random − curiosity = {c.margin:.3f}; combined SE = {c.combined_se:.3f} "
        f"(curiosity better by more than the combined SE: {ok(c.beats_random)})",
        f"paired per-trial difference: {c.paired_diff.mean:.3f} ± {c.paired_diff.se:.3f} (SE)",
    ]


def to_json(result: BenchmarkResult) -> dict[str, Any]:
    """Everything needed to redraw the figures and recheck the numbers."""
    data: dict[str, Any] = {
        "settings": asdict(result.settings),
        "source_sha256": result.source_sha256,
        "versions": {"numpy": np.__version__, "torch": version("torch")},
        "featuriser_wall_s": result.featuriser_wall_s,
        "wall_s": result.wall_s,
        "summary": {
            name: {m: asdict(result.summary(name, m)) for m in METRICS}
            for name in result.settings.strategies
        },
        "trials": [asdict(r) for r in result.results],
    }
    if {"curiosity", "random"} <= set(result.settings.strategies) and result.settings.trials > 1:
        c = compare_with_paper(result)
        data["paper_comparison"] = {
            "applies": paper_conditions(result.settings),
            **asdict(c),
            "beats_random": c.beats_random,
            "reproduced": c.reproduced,
            "paper_loss": PAPER_LOSS,
            "tolerance": PAPER_TOLERANCE,
        }
    return data


def trial_from_dict(d: dict[str, Any]) -> TrialResult:
    """Inverse of dataclasses.asdict for a TrialResult (one line of curiosity_trials.jsonl)."""
    return TrialResult(
        **{
            **d,
            "loss_curve": tuple(d["loss_curve"]),
            "max_loss_curve": tuple(d["max_loss_curve"]),
            "initial": tuple(d["initial"]),
            "steps": tuple(StepRecord(**s) for s in d["steps"]),
        }
    )


def load_trials(path: Path) -> list[TrialResult]:
    """Finished trials recorded in a curiosity_trials.jsonl (a torn last line is ignored)."""
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(trial_from_dict(json.loads(line)))
        except (json.JSONDecodeError, TypeError, KeyError):
            continue
    return out


def settings_json(settings: BenchSettings) -> str:
    return json.dumps(asdict(settings), sort_keys=True)


def write_json(result: BenchmarkResult, path: Path) -> Path:
    path.write_text(json.dumps(to_json(result), indent=1, allow_nan=True) + "\n")
    return path


TRIALS_FILE, SETTINGS_FILE = "curiosity_trials.jsonl", "curiosity_settings.json"


def run_in_dir(
    cube: Path,
    settings: BenchSettings,
    out_dir: Path,
    *,
    workers: int = 1,
    resume: bool = False,
    device: str = "cpu",
    executor: Executor | None = None,
    on_result: Callable[[TrialResult], None] | None = None,
    on_resume: Callable[[int], None] | None = None,
) -> BenchmarkResult:
    """`run_benchmark` with its trials appended to `out_dir`/curiosity_trials.jsonl as they
    finish (a killed benchmark loses at most the trials in flight) and the settings in
    curiosity_settings.json; with `resume`, the trials already in the file are kept and only the
    rest run. Resuming under other settings, or starting afresh where finished trials are
    recorded, raises ConfigError (hours of trials are never overwritten). The trials' device
    is not part of the settings: a benchmark may be resumed on another machine, and each trial
    records where it ran."""
    out_dir.mkdir(parents=True, exist_ok=True)
    partial, header = out_dir / TRIALS_FILE, out_dir / SETTINGS_FILE
    done: list[TrialResult] = []
    if resume and partial.is_file():
        if not header.is_file() or header.read_text() != settings_json(settings):
            raise ConfigError(
                f"--resume: {out_dir} holds trials run with other settings; use another --out "
                "or run without --resume"
            )
        done = load_trials(partial)
        if on_resume is not None:
            on_resume(len(done))
    else:
        if partial.is_file() and (kept := load_trials(partial)):
            raise ConfigError(
                f"--out {out_dir} already holds {len(kept)} finished trial runs; pass --resume "
                "to keep them, or choose another --out (nothing was overwritten)"
            )
        partial.write_text("")
        header.write_text(settings_json(settings))

    def record(r: TrialResult) -> None:
        with partial.open("a") as fh:
            fh.write(json.dumps(asdict(r)) + "\n")
        if on_result is not None:
            on_result(r)

    return run_benchmark(
        cube,
        settings,
        workers=workers,
        executor=executor,
        on_result=record,
        cache_dir=out_dir,
        done=done,
        device=device,
    )
