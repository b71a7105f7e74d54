"""The decision-latency targets, checked against measured timings.

1 objective at 500 observations: >= 5x faster than BoTorch's recipe and >= 50x faster than
scikit-optimize; 2 objectives at 500: >= 5x faster than BoTorch qLogNEHVI; 2000 observations over
10,000 candidates: < 2 s and < 1.5 GB peak RSS. A target whose timings were not measured is
reported as such, never as met.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.bench.latency import METHODS, Timing, ratios

SPEEDUP_N_OBS = 500
SPEEDUPS = {"botorch": 5.0, "skopt": 50.0, "botorch_nehvi": 5.0}
BIG_N_OBS = 2000
BIG_SECONDS = 2.0
BIG_RSS_MB = 1536.0


@dataclass(frozen=True)
class TargetCheck:
    """One target on one case: what was required, what was measured, whether it was met
    (None: not measured in this run)."""

    name: str
    required: str
    measured: str
    met: bool | None


def check_targets(timings: list[Timing]) -> list[TargetCheck]:
    out = _speedups(timings)
    for t in timings:
        if METHODS[t.method].ours and t.case.n_obs == BIG_N_OBS and t.median_s is not None:
            where = f"{t.method}, d={t.case.d}, {BIG_N_OBS} obs x {t.case.n_candidates} cand."
            out.append(
                TargetCheck(
                    f"time ({where})",
                    f"< {BIG_SECONDS:g} s",
                    f"{t.median_s:.2f} s",
                    t.median_s < BIG_SECONDS,
                )
            )
            if t.memory is not None:
                out.append(
                    TargetCheck(
                        f"peak RSS ({where})",
                        f"< {BIG_RSS_MB:g} MB",
                        f"{t.memory.rss_peak_mb:.0f} MB",
                        t.memory.rss_peak_mb < BIG_RSS_MB,
                    )
                )
    return out


def _speedups(timings: list[Timing]) -> list[TargetCheck]:
    measured = {(r.d, r.method): r for r in ratios(timings) if r.n_obs == SPEEDUP_N_OBS}
    dims = sorted({t.case.d for t in timings if t.case.n_obs == SPEEDUP_N_OBS})
    methods = sorted({t.method for t in timings} & set(SPEEDUPS))
    out = []
    for d in dims:
        for m in methods:
            r = measured.get((d, m))
            out.append(
                TargetCheck(
                    f"speed-up over {m} (d={d}, {SPEEDUP_N_OBS} obs)",
                    f">= {SPEEDUPS[m]:g}x",
                    f"{r.ratio:.1f}x vs {r.ours}" if r else "not measured",
                    None if r is None else r.ratio >= SPEEDUPS[m],
                )
            )
    return out
