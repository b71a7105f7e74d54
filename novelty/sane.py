"""Strategic sampling after SANE (Biswas et al. 2025; reference §1.2, read from
`arpanbiswas52/SANE` @ 3712d39e, SANE.ipynb), applied to a novelty target.

Positions are unit-normalised library coordinates (SANE uses grid indices; the L1 distances
differ only by a scale). Notation: `best` = the current region-of-interest (ROI) centre, the
last ROI found; earlier ROIs are the ones already "invested in".

* cost terms   c_loc(i) = a·‖p_i − best‖₁, c_glob(i) = b·mean_{j ∈ earlier ROIs}‖p_i − roi_j‖₁;
  C = c_loc + c_glob, Ĉ = C / max C
* schedule     exploitative before `explore_after` × budget measurements, explorative after
* utility      U = EI of the novelty GP (`acquisition: ei`, the notebook's choice), or by
               default (`acquisition: mean_coverage`, INS2ANE-style mix of novelty exploitation
               with global exploration) U = minmax(μ) + β·minmax(G) with μ the GP mean of the
               novelty score and G the coverage gain of a candidate: how much measuring it
               would reduce the mean distance from every library location to its nearest
               measured (or pending) location, G(c) = mean_j max(0, d_j − ‖c − x_j‖₂).
               β = `exploration_weight`. Why not EI: EI = f(μ − best, σ) is largest where σ is,
               and an exact GP's σ is largest on the library's edge and corners (half the
               neighbours), so EI spent ~70 % of the picks on the outer ring (15 % of the
               locations), measured on the phase library. G is largest in the middle of the largest
               unmeasured hole, and an edge location covers fewer neighbours than an interior
               one, so it is not edge-seeking; μ (not μ + σ) keeps the novelty term bounded.
* acquisition  if max(EI)/ΣEI ≥ `full_local_threshold` (the region is "fully explored": the
               surrogate sees one isolated peak), A = minmax(−c_loc + c_glob) (+ β·minmax(G)
               with mean_coverage) — move on; otherwise exploit A = U/Ĉ, explore A = U·Ĉ with
               Ĉ clipped to [`cost_floor`, 1]. The notebook's floor is ~0 (1e-3 here before),
               which lets the travel term overrule the utility by 1000×: every exploit step
               went next to the last ROI. The floor bounds the travel preference (4× at 0.25).
* human gate   votes good/bad at measured locations define y_vote(p) = mean_bad‖p − p_bad‖₁ −
               mean_good‖p − p_good‖₁ (only bad votes: mean_bad‖p − p_bad‖₁ − `vote_radius`;
               only good votes: no gate). A model g of y_vote (fitted by the caller) penalises
               candidates where g ≤ 0: A += penalty·ceil(max A)·g.
* ROI update   after each measurement: if the argmax of y is not yet an ROI it becomes one;
               otherwise the points measured since the last ROI are checked (SANE's check_ROI):
               F = d_x·d_y·d_z/dim with d_x the L1 distance to `best`, d_y = y/y_best (y shifted
               to be ≥ 0, as novelty scores may be negative), d_z the mean L1 distance to the
               earlier ROIs; the argmax of F becomes a new ROI with probability
               min(1, (d_x + d_y)/dim).

All state (the ROI list and how many measurements it has seen) is a small JSON-able value
(`ROIState`) that the strategy logs and gets back, so decisions are exact on resume.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class SANEOptions:
    """Strategic-sampling knobs (defaults: the SANE notebook)."""

    local_cost: float = 1.0
    global_cost: float = 1.0
    explore_after: float = 0.6
    full_local_threshold: float = 0.75
    probabilistic_roi: bool = True
    penalty: float = 1000.0
    vote_radius: float = 0.15
    acquisition: Literal["mean_coverage", "ei"] = "mean_coverage"  # module docstring
    exploration_weight: float = 1.0
    cost_floor: float = 0.25


@dataclass(frozen=True)
class ROIState:
    """Regions of interest (location ids, in the order found) and measurements processed."""

    rois: tuple[int, ...] = ()
    seen: int = 0
    since: int = 0  # measurement index after which the last ROI was added

    def to_dict(self) -> dict[str, Any]:
        return {"rois": list(self.rois), "seen": self.seen, "since": self.since}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> ROIState:
        if not d:
            return cls()
        return cls(tuple(int(i) for i in d["rois"]), int(d["seen"]), int(d["since"]))


def l1(a: FloatArray, b: FloatArray) -> FloatArray:
    """(len(a), len(b)) L1 distances between rows."""
    return np.asarray(np.abs(a[:, None, :] - b[None, :, :]).sum(axis=-1))


def update_rois(
    state: ROIState,
    ids: IntArray,
    pos: FloatArray,
    y: FloatArray,
    rng: np.random.Generator,
    options: SANEOptions,
) -> ROIState:
    """Process the measurements after `state.seen` one at a time (SANE's per-step update).

    Args:
        ids, pos, y: (m,), (m, d), (m,) every measured location so far in measurement order,
            unit positions, current target values (NaN = unusable).
    """
    rois, since = list(state.rois), state.since
    y = np.where(np.isfinite(y), y, -np.inf)
    for t in range(state.seen, len(ids)):
        upto = y[: t + 1]
        if not np.isfinite(upto).any():
            continue
        best = int(np.argmax(upto))
        if int(ids[best]) not in rois:
            rois.append(int(ids[best]))
            since = t + 1
            continue
        new = _local_roi(pos, upto, ids, rois, since, t, rng, options)
        if new is not None:
            rois.append(new)
            since = t + 1
    return ROIState(tuple(rois), len(ids), since)


def _local_roi(
    pos: FloatArray,
    y: FloatArray,
    ids: IntArray,
    rois: Sequence[int],
    since: int,
    t: int,
    rng: np.random.Generator,
    options: SANEOptions,
) -> int | None:
    """check_ROI on the points measured since the last ROI (rows since..t)."""
    rows = np.arange(since, t + 1)
    rows = rows[np.isfinite(y[rows]) & ~np.isin(ids[rows], list(rois))]
    if len(rows) == 0:
        return None
    dim = pos.shape[1]
    row_of = {int(i): k for k, i in enumerate(ids[: t + 1])}
    best = pos[row_of[rois[-1]]]
    earlier = np.array([pos[row_of[r]] for r in rois[:-1]]) if len(rois) > 1 else best[None]
    finite = y[np.isfinite(y)]
    shifted = y[rows] - finite.min()
    y_best = float(finite.max() - finite.min()) or 1.0
    d_x = np.abs(pos[rows] - best).sum(axis=1)
    d_y = shifted / y_best
    d_z = l1(pos[rows], earlier).mean(axis=1)
    k = int(np.argmax(d_x * d_y * d_z / dim))
    p = min(1.0, (d_x[k] + d_y[k]) / dim) if options.probabilistic_roi else 1.0
    return int(ids[rows[k]]) if rng.random() < p else None


def expected_improvement(mean: FloatArray, std: FloatArray, best: float) -> FloatArray:
    """Closed-form EI of a maximisation target (≥ 0)."""
    s = np.maximum(std, 1e-12)
    z = (mean - best) / s
    pdf = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
    return np.asarray(np.maximum((mean - best) * ndtr(z) + s * pdf, 0.0))


@dataclass(frozen=True)
class Decision:
    """SANE acquisition over the candidates and why."""

    acquisition: FloatArray
    ei: FloatArray
    local_cost: FloatArray
    global_cost: FloatArray
    mode: str  # "exploit" | "explore" | "fully_explored"
    info: dict[str, float] = field(default_factory=dict)


def costs(
    cand_pos: FloatArray, roi_pos: FloatArray, options: SANEOptions
) -> tuple[FloatArray, FloatArray]:
    """(c_loc, c_glob) at candidate unit positions given ROI centres in order (may be none)."""
    n = len(cand_pos)
    if len(roi_pos) == 0:
        return np.zeros(n), np.zeros(n)
    c_loc = options.local_cost * np.abs(cand_pos - roi_pos[-1]).sum(axis=1)
    if len(roi_pos) < 2:
        return c_loc, np.zeros(n)
    c_glob = options.global_cost * l1(cand_pos, roi_pos[:-1]).mean(axis=1)
    return np.asarray(c_loc), np.asarray(c_glob)


def is_explorative(step: int, budget: int | None, options: SANEOptions) -> bool:
    """The exploit/explore switch: explorative from `explore_after` × budget on."""
    if budget is None:
        return False
    return step >= math.ceil(options.explore_after * budget)


def minmax(a: FloatArray) -> FloatArray:
    """Scale to [0, 1] (all ones when constant: every entry is the best)."""
    a = np.asarray(a, float)
    span = float(a.max() - a.min()) if len(a) else 0.0
    return np.asarray((a - a.min()) / span) if span > 0 else np.ones_like(a)


def coverage_gain(
    cand_pos: FloatArray, library_pos: FloatArray, taken_pos: FloatArray
) -> FloatArray:
    """G(c) = mean_j max(0, d_j − ‖c − x_j‖₂) over the library locations x_j, d_j their
    distance to the nearest taken (measured or pending) location: the drop of the mean
    fill distance if c were measured next. (len(cand_pos),), ≥ 0."""
    lib = np.asarray(library_pos, float)
    if len(taken_pos) == 0:
        d = np.full(len(lib), np.inf)
    else:
        d = np.sqrt(((lib[:, None, :] - taken_pos[None, :, :]) ** 2).sum(-1)).min(axis=1)
    out = np.zeros(len(cand_pos))
    for start in range(0, len(cand_pos), 256):  # (chunk, library) distances, bounded memory
        c = cand_pos[start : start + 256]
        dc = np.sqrt(((c[:, None, :] - lib[None, :, :]) ** 2).sum(-1))
        gain = np.maximum(0.0, np.minimum(d[None, :], 1e6) - dc)
        out[start : start + 256] = gain.mean(axis=1)
    return out


def acquire(
    mean: FloatArray,
    std: FloatArray,
    best: float,
    cand_pos: FloatArray,
    roi_pos: FloatArray,
    explorative: bool,
    options: SANEOptions,
    coverage: FloatArray | None = None,
) -> Decision:
    """The SANE acquisition (module docstring) at every candidate; `coverage` is G at the
    candidates (needed by `acquisition: mean_coverage`; None counts as no coverage term)."""
    ei = expected_improvement(mean, std, best)
    c_loc, c_glob = costs(cand_pos, roi_pos, options)
    total = c_loc + c_glob
    share = float(ei.max() / ei.sum()) if ei.sum() > 0 else 1.0
    explore_term = np.zeros(len(mean))
    if options.acquisition == "mean_coverage":
        if coverage is not None:
            explore_term = options.exploration_weight * minmax(coverage)
        utility = minmax(mean) + explore_term
    elif options.acquisition == "ei":
        utility = ei
    else:
        raise ValueError(f"unknown SANE acquisition {options.acquisition!r} (mean_coverage|ei)")
    info = {"ei_share": share}
    if len(roi_pos) and share >= options.full_local_threshold:
        a = minmax(-c_loc + c_glob) + explore_term
        return Decision(a, ei, c_loc, c_glob, "fully_explored", info)
    if total.max() <= 0:  # no ROI yet: the utility alone
        return Decision(np.asarray(utility), ei, c_loc, c_glob, "utility", info)
    c_hat = np.clip(total / total.max(), max(options.cost_floor, 1e-3), 1.0)
    a = utility * c_hat if explorative else utility / c_hat
    mode = "explore" if explorative else "exploit"
    return Decision(np.asarray(a), ei, c_loc, c_glob, mode, info)


def vote_targets(
    pos: FloatArray, good_pos: FloatArray, bad_pos: FloatArray, options: SANEOptions
) -> FloatArray | None:
    """y_vote at unit positions `pos` (module docstring); None when there is no bad vote."""
    if len(bad_pos) == 0:
        return None
    far_bad = l1(pos, bad_pos).mean(axis=1)
    if len(good_pos) == 0:
        return np.asarray(far_bad - options.vote_radius)
    return np.asarray(far_bad - l1(pos, good_pos).mean(axis=1))


def apply_gate(acquisition: FloatArray, g: FloatArray, options: SANEOptions) -> FloatArray:
    """A += penalty·ceil(max A)·g where g ≤ 0 (SANE's constraint penalty)."""
    top = math.ceil(float(np.max(acquisition))) if len(acquisition) else 0
    scale = options.penalty * max(top, 1)
    return np.asarray(np.where(g <= 0, acquisition + scale * g, acquisition))
