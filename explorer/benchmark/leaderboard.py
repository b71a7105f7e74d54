"""The leaderboard: per task and budget, each strategy's median and IQR over seeds, its paired
difference to random and to the best space-filling design (Wilcoxon signed-rank p), whether the
task separates strategies at all, and decision times; as JSON and a markdown table."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from explorer.benchmark.run import RunScore, TaskOutcome, decision_times
from explorer.benchmark.stats import band, paired_diff, separates

RANDOM = "random"
# the registry names of model-free designs; `_positions`: the design over the stage positions
SPACE_FILLING = (
    "sobol",
    "lhs",
    "maxmin",
    "grid",
    "sobol_positions",
    "lhs_positions",
    "maxmin_positions",
)


def _per_seed(runs: list[RunScore], strategy: str, budget: int) -> dict[int, float]:
    return {r.seed: r.scores[budget] for r in runs if r.strategy == strategy}


def _paired(runs: list[RunScore], a: str, b: str, budget: int) -> dict[str, Any] | None:
    sa, sb = _per_seed(runs, a, budget), _per_seed(runs, b, budget)
    seeds = sorted(set(sa) & set(sb))
    if a == b or not seeds:
        return None
    return asdict(paired_diff(np.array([sa[s] for s in seeds]), np.array([sb[s] for s in seeds])))


def best_space_filling(runs: list[RunScore], strategies: list[str], budget: int) -> str | None:
    """The space-filling design with the highest median score at the budget."""
    designs = [s for s in strategies if s in SPACE_FILLING]
    if not designs:
        return None
    return max(designs, key=lambda s: float(np.median(list(_per_seed(runs, s, budget).values()))))


def task_entry(t: TaskOutcome) -> dict[str, Any]:
    """The JSON leaderboard entry of one task."""
    entry: dict[str, Any] = {"family": t.task.family, "score": t.task.score.kind}
    if t.skipped:
        return {**entry, "skipped": t.skipped}
    strategies = [s for s in t.task.strategies if any(r.strategy == s for r in t.runs)]
    budgets: dict[str, Any] = {}
    for b in t.task.budgets:
        design = best_space_filling(t.runs, strategies, b)
        rows, per = {}, {}
        for s in strategies:
            seed_scores = dict(sorted(_per_seed(t.runs, s, b).items()))
            per[s] = np.array(list(seed_scores.values()))
            rows[s] = {
                **asdict(band(per[s])),
                "by_seed": {str(k): v for k, v in seed_scores.items()},  # any other pair's test
                "vs_random": _paired(t.runs, s, RANDOM, b) if RANDOM in strategies else None,
                "vs_space_filling": _paired(t.runs, s, design, b) if design else None,
            }
        budgets[str(b)] = {
            "space_filling": design,
            "separates": separates(per),
            "strategies": rows,
        }
    times = {s: asdict(decision_times(t.runs, s)) for s in strategies}
    seeds = sorted({r.seed for r in t.runs})
    return {**entry, "seeds": seeds, "budgets": budgets, "decision_time": times, "failed": t.failed}


def leaderboard(outcomes: list[TaskOutcome], meta: dict[str, Any]) -> dict[str, Any]:
    return {"meta": meta, "tasks": {t.name: task_entry(t) for t in outcomes}}


def _diff_cell(d: dict[str, Any] | None) -> str:
    if d is None:
        return "–"
    return f"{d['median_diff']:+.3f} (p={d['p_value']:.2g})"


def _cpu_cell(t: dict[str, Any]) -> str:
    if t["cpu_max_s"] is None:
        return "–"
    return f"{t['cpu_median_s']:.2f} / {t['cpu_max_s']:.2f}"


def markdown(board: dict[str, Any]) -> str:
    """One table per task: strategy x budget, median [IQR], paired differences, times."""
    lines: list[str] = []
    for name, e in board["tasks"].items():
        lines += [f"### {name} ({e['family']}, score: {e['score']})", ""]
        if "skipped" in e:
            lines += [f"skipped: {e['skipped']}", ""]
            continue
        lines += [
            "| budget | strategy | median [IQR] | vs random | vs best space-filling "
            "| decision wall median / p90 (s) | decision CPU median / max (s) |",
            "|---|---|---|---|---|---|---|",
        ]
        for b, row in e["budgets"].items():
            for s, v in row["strategies"].items():
                t = e["decision_time"][s]
                lines.append(
                    f"| {b} | {s} | {v['median']:.3f} [{v['q25']:.3f}, {v['q75']:.3f}] | "
                    f"{_diff_cell(v['vs_random'])} | {_diff_cell(v['vs_space_filling'])} | "
                    f"{t['median_s']:.2f} / {t['p90_s']:.2f} | {_cpu_cell(t)} |"
                )
        flat = [b for b, row in e["budgets"].items() if not row["separates"]]
        lines.append("")
        if flat:
            lines += [
                f"Cannot separate strategies at budget {', '.join(flat)} "
                "(no pair differs at p < 0.05, paired Wilcoxon).",
                "",
            ]
        lines += [f"Seeds: {e['seeds']}.", ""]
    return "\n".join(lines)
