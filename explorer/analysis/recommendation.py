"""A run's recommendation (explorer.models.recommend) read from its log, and how it is worded.

The latest `recommended` event is used when it covers every measurement; otherwise (a log
written before the run stopped, or by a version that logged none) the campaign is restored
from the log (explorer.engine.restore) and the recommendation is computed from it, with the
same deterministic GP fit the runner uses.
"""

from __future__ import annotations

import math

from explorer.analysis.run_views import objective_config, objective_unit
from explorer.analysis.rundata import RunData
from explorer.engine.recommendations import last_logged, recommend_campaign
from explorer.engine.restore import campaign_before, logged_campaign
from explorer.errors import ExplorerError
from explorer.models.recommend import Recommendation, RecommendedPoint


def logged_recommendation(run: RunData) -> Recommendation | None:
    """The logged recommendation if one covers every measurement (no GP fit, no torch)."""
    logged = last_logged(run.log.events)
    return logged if logged is not None and logged.n_measured == len(run.measured) else None


def run_recommendation(run: RunData) -> Recommendation:
    """The recommendation for everything the run measured (logged, else computed)."""
    if (logged := logged_recommendation(run)) is not None:
        return logged
    try:
        campaign = campaign_before(logged_campaign(run.config), run.log.events, None)
    except ExplorerError as exc:
        return Recommendation((), {}, len(run.measured), 0, f"cannot rebuild the campaign: {exc}")
    return recommend_campaign(campaign)


def _unit(run: RunData, name: str) -> str:
    u = objective_unit(objective_config(run, name))
    return f" {u}" if u else ""


def _fmt(v: float) -> str:
    return "–" if not math.isfinite(v) else f"{v:.4g}"


def point_text(run: RunData, p: RecommendedPoint) -> str:
    """'location 42 (x 3.1 mm, y 0.5 mm): loop_area 1.2 [0.9, 1.5] a.u.·V, ...'."""
    parts = [
        f"{n} {_fmt(p.mean[n])} [{_fmt(p.lower[n])}, {_fmt(p.upper[n])}]{_unit(run, n)}"
        for n in p.mean
    ]
    feas = f", P(feasible) {p.p_feasible:.2f}" if run.constraints else ""
    return (
        f"location {p.location_id} (x {p.x_mm:.3g} mm, y {p.y_mm:.3g} mm): "
        + ", ".join(parts)
        + feas
    )


def summary_lines(run: RunData, rec: Recommendation, max_points: int | None = None) -> list[str]:
    """The recommendation (at most `max_points` of a Pareto set), the observed best (labelled
    as such) and the infeasible count."""
    lines: list[str] = []
    if rec.points:
        what = "recommended (posterior mean, 95 % interval)"
        if len(rec.points) > 1:
            what = f"recommended: posterior Pareto set of {len(rec.points)} (mean, 95 % interval)"
        lines.append(what + ":")
        shown = rec.points if max_points is None else rec.points[:max_points]
        lines += [f"  {point_text(run, p)}" for p in shown]
        if len(shown) < len(rec.points):
            lines.append(
                f"  … and {len(rec.points) - len(shown)} more: explorer recommend "
                f"{run.run_dir} --json FILE"
            )
    else:
        lines.append(f"no recommendation: {rec.reason}")
    for name, best in rec.observed_best.items():
        lines.append(
            f"observed best {name} {_fmt(float(best['value']))}{_unit(run, name)} at location "
            f"{int(best['location_id'])} (a raw, noisy measurement)"
        )
    lines.append(f"{rec.n_measured} measured ({rec.n_infeasible} infeasible)")
    return lines


def short_text(run: RunData, rec: Recommendation) -> str:
    """One line for the progress view: 'rec. loc 42: loop_area 1.2±0.3'."""
    if not rec.points:
        return "rec. –"
    p = rec.points[0]
    vals = ", ".join(f"{n} {_fmt(p.mean[n])}±{_fmt((p.upper[n] - p.lower[n]) / 2)}" for n in p.mean)
    more = f" (+{len(rec.points) - 1} on the set)" if len(rec.points) > 1 else ""
    return f"rec. loc {p.location_id}: {vals}{more}"
