"""How many measurements each strategy needs to find the SmBFO optimum.

For every seed, a campaign (the shipped `campaigns/smbfo-gp-bo.yaml` with its strategy swapped)
runs through the normal session and runner on the simulated SmBFO library. The true optimum is the
Sm fraction of the library location with the largest expected (noise-free) loop height, taken from
the simulator's ground truth, which the strategies never see. The score of a run is the 1-based
index of the first measurement within `tolerance` Sm fraction of that optimum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.analysis.rundata import RunData
from explorer.config import CampaignConfig
from explorer.engine.build import build_instrument, validate_deep
from explorer.engine.events import Measured
from tests.science.harness import campaign_config, run_quietly

STRATEGIES: dict[str, dict[str, Any]] = {
    "gp_bo": {
        "kind": "two_phase",
        "initial": {"kind": "sobol", "n": 5},
        "then": {"kind": "gp_bo", "acquisition": "ucb", "beta": 4.0, "output_transform": "bilog"},
    },
    "skopt": {"kind": "two_phase", "initial": {"kind": "sobol", "n": 5}, "then": {"kind": "skopt"}},
    "sobol": {"kind": "sobol"},
    "random": {"kind": "random"},
}


@dataclass(frozen=True)
class HitResult:
    strategy: str
    seed: int
    hit_at: int | None  # 1-based measurement index; None if never within tolerance
    optimum_sm: float


def true_optimum_sm(cfg: CampaignConfig, objective: str = "loop_height") -> float:
    """Sm fraction of the library location with the best expected objective."""
    library = validate_deep(cfg)
    inst = build_instrument(cfg)
    truth = np.array(
        [inst.expected_metrics(x, y)[objective] for x, y in library.positions_mm]  # type: ignore[attr-defined]
    )
    return float(library.features[int(np.argmax(truth)), 0])


def run_once(
    base: Path, label: str, seed: int, out_dir: Path, budget: int, tolerance: float = 0.01
) -> HitResult:
    cfg = campaign_config(base, STRATEGIES[label], seed, out_dir, budget)
    optimum = true_optimum_sm(cfg)
    run_dir = run_quietly(cfg)
    lib = validate_deep(cfg)
    sm = dict(zip(lib.ids.tolist(), lib.features[:, 0].tolist(), strict=True))
    measured = RunData.load(run_dir).log.of_type(Measured)
    hit = next(
        (
            k + 1
            for k, m in enumerate(measured)
            if abs(sm[m.location_id] - optimum) <= tolerance + 1e-12
        ),
        None,
    )
    return HitResult(label, seed, hit, optimum)


def summarise(
    results: list[HitResult], budget: int, n_initial: int = 5
) -> dict[str, dict[str, float]]:
    """Median / IQR of measurements-to-hit per strategy (a miss counts as budget + 1), and the
    median over the seeds whose first `n_initial` points (the shared Sobol design of the
    model-based strategies) missed, which is where the model has to do the work."""
    out: dict[str, dict[str, float]] = {}
    for name in dict.fromkeys(r.strategy for r in results):
        mine = [r for r in results if r.strategy == name]
        hits = np.array([r.hit_at if r.hit_at is not None else budget + 1 for r in mine])
        q1, med, q3 = np.percentile(hits, [25, 50, 75])
        late = hits[hits > n_initial]
        out[name] = {
            "median": float(med),
            "q1": float(q1),
            "q3": float(q3),
            "found": float(np.mean(hits <= budget)),
            "seeds": float(len(hits)),
            "late_median": float(np.median(late)) if len(late) else float("nan"),
            "late_seeds": float(len(late)),
        }
    return out


def format_table(summary: Mapping[str, Mapping[str, float]], tolerance: float, budget: int) -> str:
    lines = [
        f"measurements to reach within {tolerance} Sm of the true optimum (budget {budget})",
        f"{'strategy':<10} {'median':>7} {'IQR':>13} {'found':>7} {'seeds':>6}"
        f" {'median if first 5 missed':>25}",
    ]
    for name, s in summary.items():
        iqr = f"[{s['q1']:.1f}, {s['q3']:.1f}]"
        late = f"{s['late_median']:.1f} ({int(s['late_seeds'])} seeds)"
        lines.append(
            f"{name:<10} {s['median']:>7.1f} {iqr:>13} {s['found']:>7.0%} {int(s['seeds']):>6d}"
            f" {late:>25}"
        )
    return "\n".join(lines)
