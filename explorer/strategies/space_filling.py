"""Model-free rules: random, grid (raster/serpentine), Sobol, Latin hypercube, max-min distance.

Designs (Sobol, LHS) are drawn once from the campaign's stable strategy seed; design point j is
mapped to the nearest remaining candidate (in unit feature space, or in the stage positions
scaled to the library's bounding box) when it is needed, so the sequence is a deterministic
function of the history and survives a resume.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from explorer.library import CandidateSet
from explorer.observations import Observations
from explorer.strategies.base import SuggestContext, Suggestion

FloatArray = NDArray[np.float64]


def _nearest_rows(targets: FloatArray, pool: FloatArray, rng: np.random.Generator) -> list[int]:
    """Greedy: each target in order takes the nearest unused pool row (random tie-break)."""
    used: set[int] = set()
    rows: list[int] = []
    for t in targets:
        d = np.linalg.norm(pool - t, axis=1)
        d[list(used)] = np.inf
        best = np.flatnonzero(np.isclose(d, d.min(), rtol=0, atol=1e-12))
        k = int(best[rng.integers(len(best))]) if len(best) > 1 else int(best[0])
        used.add(k)
        rows.append(k)
        if len(used) == len(pool):
            break
    return rows


@dataclass(frozen=True)
class RandomStrategy:
    """Uniformly random unmeasured locations."""

    name: str = "random"

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]:
        rows = rng.choice(len(candidates), size=min(n, len(candidates)), replace=False)
        return [Suggestion(int(candidates.ids[r]), self.name) for r in rows]


@dataclass(frozen=True)
class GridStrategy:
    """Visit locations in stage order: raster (rows left to right) or serpentine (boustrophedon).

    Serpentine minimises stage travel; both follow the physical rows (y, then x).
    """

    order: Literal["raster", "serpentine"] = "serpentine"
    name: str = "grid"

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]:
        x, y = candidates.positions_mm[:, 0], candidates.positions_mm[:, 1]
        row_keys = np.round(y, 6)
        rows_sorted = np.unique(row_keys)
        row_index = np.searchsorted(rows_sorted, row_keys)
        xkey = x if self.order == "raster" else np.where(row_index % 2 == 0, x, -x)
        order = np.lexsort((xkey, row_index))
        return [Suggestion(int(candidates.ids[i]), self.name) for i in order[:n]]


@dataclass(frozen=True)
class DesignStrategy:
    """Quasi-random design (Sobol or Latin hypercube) in unit feature or stage space.

    Attributes:
        method: "sobol" or "lhs".
        n: design size when used as an initial design (None: as large as the library).
        space: "features" (the unit feature cube) or "positions" (the stage positions, scaled
            to the bounding box of every location, measured or not). With image-patch features
            the feature cube is mostly empty, and its nearest candidates are outlier patches; a
            design over the positions is the space-filling scan a microscopist would run.
    """

    method: Literal["sobol", "lhs"] = "sobol"
    n: int | None = None
    scramble: bool = True
    name: str = "sobol"
    space: Literal["features", "positions"] = "features"

    def _pool(self, candidates: CandidateSet, observations: Observations) -> FloatArray:
        if self.space == "features":
            return candidates.unit_features()
        every = np.vstack([candidates.positions_mm, observations.positions_mm])
        lo, hi = every.min(axis=0), every.max(axis=0)
        return np.asarray((candidates.positions_mm - lo) / np.where(hi > lo, hi - lo, 1.0))

    def _design(self, dim: int, size: int, seed: int) -> FloatArray:
        from scipy.stats import qmc  # noqa: PLC0415 (scipy.stats takes ~0.4 s to import)

        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(101,)))
        if self.method == "sobol":
            sampler: qmc.QMCEngine = qmc.Sobol(d=dim, scramble=self.scramble, seed=rng)
            m = int(np.ceil(np.log2(max(size, 2))))
            return np.asarray(sampler.random_base2(m)[:size])
        return np.asarray(qmc.LatinHypercube(d=dim, seed=rng).random(size))

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]:
        ctx = ctx or SuggestContext()
        start = ctx.step
        size = max(self.n or 0, start + n, 2)
        pool = self._pool(candidates, observations)
        design = self._design(pool.shape[1], size, ctx.seed)[start : start + n]
        rows = _nearest_rows(design, pool, rng)
        return [
            Suggestion(int(candidates.ids[r]), self.name, info={"design_index": start + j})
            for j, r in enumerate(rows)
        ]


@dataclass(frozen=True)
class MaxMinStrategy:
    """Greedy max-min distance (farthest-point) design, in unit feature or stage space."""

    space: Literal["features", "positions"] = "features"
    n: int | None = None
    name: str = "maxmin"

    def _coords(self, cs: CandidateSet) -> FloatArray:
        return cs.unit_features() if self.space == "features" else cs.positions_mm

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]:
        ctx = ctx or SuggestContext()
        pool = self._coords(candidates)
        taken = [
            candidates.unit_features(observations.X)
            if self.space == "features"
            else observations.positions_mm
        ]
        if ctx.pending is not None and len(ctx.pending):
            taken.append(self._coords(ctx.pending))
        ref = np.vstack(taken)
        out: list[Suggestion] = []
        if len(ref):
            dmin = np.asarray(cKDTree(ref).query(pool)[0], dtype=float)
        else:  # nothing measured: start at the centre of the library
            dmin = -np.linalg.norm(pool - pool.mean(axis=0), axis=1)
        dmin = dmin + 1e-12 * rng.random(len(dmin))
        for _ in range(min(n, len(candidates))):
            k = int(np.argmax(dmin))
            out.append(
                Suggestion(int(candidates.ids[k]), self.name, info={"min_dist": float(dmin[k])})
            )
            dmin = np.minimum(dmin, np.linalg.norm(pool - pool[k], axis=1))
            dmin[k] = -np.inf
        return out
