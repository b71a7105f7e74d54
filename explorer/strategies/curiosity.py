"""Curiosity-driven exploration as a Strategy (Vatsavai et al., Digital Discovery 2025).

Candidate features are flattened image patches centred on each location; the property is a
spectrum the instrument returns in `Measurement.arrays[spectrum]`, which the campaign hands to
this strategy through `SuggestContext.arrays` (it is listed in `required_arrays`). The models,
their schedule and the acquisition are `novelty.curiosity`'s:

* the patch featuriser is trained once on every library patch. It depends on the library and
  the seed alone, so a campaign trains it before the first measurement (`prepare`: the run's
  preparation, saved in the run directory and logged as a `prepared` event) and the decisions
  read it from `ctx.prepared`; without a preparation the first decision that needs it trains it;
* the first `n_initial` measurements (start point + 30 random in the paper) are random picks;
* the im2spec surrogate and error model get their initial fit on those measurements: the
  `initial_steps` surrogate steps are spread over the last `initial_spread` decisions of the
  random phase (`spread_steps`: 5 decisions of 30 steps by default, each on the points measured
  so far; 1 = the paper's 150 steps at once, which alone take longer than a decision may), and
  after every later measurement comes the per-step update;
* each decision scores every location with A = ê(1−w) + n·w + σu, w = exp(−λ t/N)
  (t = ctx.step, N = `budget` or stop.max_points), takes an ε-random step or a uniform pick
  among the top-k unmeasured locations, and logs ê, n, u and A of the choice.

Exact resume: the model updates are a pure function of the strategy seed (`ctx.seed`), the
featuriser (itself a pure function of the library and that seed) and the measured history
(locations in measurement order and their spectra), and each decision's own randomness comes
from the campaign's per-step generator. The fitted models are cached in memory keyed on that
history; on a cache miss (a resumed run) they are re-derived by replaying the schedule over the
history, and the digest logged in `model_state` at the previous decision is checked against the
replayed model (`info["resume_check"]`). No surrogate weights are written to disk; the
featuriser's latents are (the preparation file).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from explorer.errors import StrategyError
from explorer.library import CandidateSet
from explorer.observations import Observations
from explorer.strategies.base import Preparation, SuggestContext, Suggestion
from novelty.curiosity.acquisition import (
    AcquisitionParams,
    CuriosityScores,
    is_random_step,
    score_library,
    top_k_choice,
)
from novelty.curiosity.learner import (
    FeaturiserSettings,
    SurrogateLearner,
    SurrogateSettings,
    encode_patches,
    spread_steps,
    train_featuriser,
)

F32 = NDArray[np.float32]
FEATURISER_KEY, LEARNER_KEY = 1, 2  # spawn keys under the strategy seed


@dataclass(frozen=True, eq=False)
class _Library:
    """The whole library (candidates + measured + pending) sorted by location id."""

    ids: NDArray[np.int64]
    patches: F32
    row_of: dict[int, int]

    @property
    def key(self) -> str:
        h = hashlib.sha256(self.ids.tobytes())
        h.update(self.patches.tobytes())
        return h.hexdigest()


@dataclass
class _Cache:
    """Fitted models for the last history seen (never changes results, only saves time)."""

    featuriser_key: str = ""
    features: F32 | None = None
    learner: SurrogateLearner | None = None
    history: tuple[int, ...] = ()


@dataclass(frozen=True)
class _History:
    ids: tuple[int, ...]  # usable measured locations, in measurement order
    rows: NDArray[np.int64]  # their rows in the library
    spectra: F32


def _as_library(
    ids: NDArray[np.integer[Any]], feats: NDArray[Any], shape: tuple[int, int]
) -> _Library:
    """Library rows sorted by location id, features reshaped to (rows, cols) patches."""
    order = np.argsort(ids, kind="stable")
    ids_sorted = np.asarray(ids, dtype=np.int64)[order]
    patches = np.ascontiguousarray(
        np.asarray(feats)[order].reshape(len(ids_sorted), *shape), dtype=np.float32
    )
    return _Library(ids_sorted, patches, {int(i): k for k, i in enumerate(ids_sorted)})


def _prepared_rows(prep: Preparation, ids: NDArray[np.int64]) -> F32 | None:
    """The prepared latents of `ids` (sorted), or None when the preparation lacks one."""
    prep_ids = np.asarray(prep.arrays.get("ids", np.zeros(0)), dtype=np.int64)
    feats = prep.arrays.get("features")
    if feats is None or len(prep_ids) == 0:
        return None
    pos = np.clip(np.searchsorted(prep_ids, ids), 0, len(prep_ids) - 1)
    if not np.array_equal(prep_ids[pos], ids):
        return None
    return np.ascontiguousarray(np.asarray(feats)[pos], dtype=np.float32)


@dataclass(frozen=True)
class CuriosityStrategy:
    """Curiosity-driven choice of the next location (see the module docstring).

    Attributes:
        spectrum: the Measurement.arrays key of the property ("<channel>.<quantity>").
        spectrum_range: [start, stop) slice of that array used as the property (the paper
            uses points 49: of each 99-point loop); None = the whole array.
        patch_shape: patch (rows, cols) of the flattened features; None = square.
        n_initial: measurements (with a spectrum) before the models drive; random until then.
        budget: N of the annealing; None = ctx.budget (stop.max_points).
        acquisition, surrogate, featuriser: the paper's parameters by default.
        initial_spread: decisions of the random phase (the last ones) that share the initial
            fit's surrogate steps; 1 = all at the `n_initial`-th measurement, as in the paper.
    """

    spectrum: str
    spectrum_range: tuple[int, int] | None = None
    patch_shape: tuple[int, int] | None = None
    n_initial: int = 31
    budget: int | None = None
    acquisition: AcquisitionParams = field(default_factory=AcquisitionParams)
    surrogate: SurrogateSettings = field(default_factory=SurrogateSettings)
    featuriser: FeaturiserSettings = field(default_factory=FeaturiserSettings)
    initial_spread: int = 5
    name: str = "curiosity"
    _cache: _Cache = field(default_factory=_Cache, compare=False, repr=False)

    @property
    def required_arrays(self) -> tuple[str, ...]:
        return (self.spectrum,)

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]:
        ctx = ctx or SuggestContext(step=len(observations))
        lib = self._library(candidates, observations, ctx)
        hist = self._history(observations, ctx, lib)
        if len(hist.ids) < self.n_initial:
            if len(hist.ids):
                self._fitted(lib, hist, ctx)  # this decision's share of the initial fit
            return self._random(candidates, n, rng, len(hist.ids))
        budget = self.budget or ctx.budget
        if budget is None:
            raise StrategyError(
                "curiosity needs the measurement budget N of its annealing: set "
                "stop.max_points or strategy.budget"
            )
        learner, check = self._fitted(lib, hist, ctx)
        return self._pick(candidates, lib, hist, learner, n, rng, ctx.step, budget, check)

    # ---- preparation (the featuriser, before the first measurement) ------------------------
    def preparation_key(
        self, library: CandidateSet, seed: int, budget: int | None = None
    ) -> str | None:
        """Hash of what the featuriser depends on: every library patch, its settings, the seed;
        None when `budget` measurements end within the random phase (no model is ever used)."""
        if budget is not None and budget <= self.n_initial:
            return None
        return self._key(library, seed)

    def prepare(self, library: CandidateSet, seed: int) -> Preparation:
        """Train the patch featuriser on every library patch; its latents, by location id."""
        lib = _as_library(library.ids, library.features, self._shape(library.dim))
        f = self.featuriser
        return Preparation(
            self._key(library, seed),
            {"ids": lib.ids, "features": self._train_featuriser(lib, seed)},
            self._featuriser_tag(seed),
            f"patch featuriser: {f.epochs} epochs on {len(lib.ids)} patches of "
            f"{lib.patches.shape[1]}x{lib.patches.shape[2]}",
        )

    def _key(self, library: CandidateSet, seed: int) -> str:
        lib = _as_library(library.ids, library.features, self._shape(library.dim))
        return hashlib.sha256(f"{lib.key}:{self._featuriser_tag(seed)}".encode()).hexdigest()

    def _featuriser_tag(self, seed: int) -> str:
        return f"curiosity featuriser {self.featuriser!r} seed {seed}"

    def _train_featuriser(self, lib: _Library, seed: int) -> F32:
        ss = np.random.SeedSequence(seed, spawn_key=(FEATURISER_KEY,))
        return encode_patches(train_featuriser(lib.patches, self.featuriser, ss), lib.patches)

    # ---- inputs ---------------------------------------------------------------------------
    def _library(
        self, candidates: CandidateSet, observations: Observations, ctx: SuggestContext
    ) -> _Library:
        parts = [(candidates.ids, candidates.features), (observations.ids, observations.X)]
        if ctx.pending is not None and len(ctx.pending):
            parts.append((ctx.pending.ids, ctx.pending.features))
        ids = np.concatenate([p[0] for p in parts]).astype(np.int64)
        feats = np.vstack([p[1] for p in parts])
        return _as_library(ids, feats, self._shape(feats.shape[1]))

    def _shape(self, d: int) -> tuple[int, int]:
        if self.patch_shape is not None:
            if self.patch_shape[0] * self.patch_shape[1] != d:
                raise StrategyError(
                    f"curiosity: patch_shape {list(self.patch_shape)} does not match the "
                    f"{d} candidate features; the library features must be flattened patches"
                )
            return self.patch_shape
        side = round(d**0.5)
        if side * side != d or side < 4:
            raise StrategyError(
                f"curiosity: the library has {d} features per location, not a flattened square "
                "image patch of side >= 4; use a library whose features are image patches or "
                "set strategy.patch_shape"
            )
        return side, side

    def _history(self, observations: Observations, ctx: SuggestContext, lib: _Library) -> _History:
        ids, spectra = [], []
        for lid in observations.ids.tolist():
            arr = ctx.arrays.get(int(lid), {}).get(self.spectrum)
            if arr is not None:
                ids.append(int(lid))
                spectra.append(self._slice(np.asarray(arr, dtype=np.float32).ravel()))
        if len(observations) and not ids:
            raise StrategyError(
                f"curiosity: no measurement carries the array {self.spectrum!r}; set "
                "strategy.spectrum to the instrument's '<channel>.<quantity>' key of the "
                "spectrum (the members of raw/*.npz)"
            )
        rows = np.array([lib.row_of[i] for i in ids], dtype=np.int64)
        if len({len(s) for s in spectra}) > 1:
            raise StrategyError(
                f"curiosity: the arrays {self.spectrum!r} have different lengths "
                f"{sorted({len(s) for s in spectra})}; every location must return the same "
                "spectrum axis"
            )
        stacked = np.stack(spectra) if spectra else np.zeros((0, 1), np.float32)
        return _History(tuple(ids), rows, stacked)

    def _slice(self, spectrum: F32) -> F32:
        if self.spectrum_range is None:
            return spectrum
        a, b = self.spectrum_range
        if not 0 <= a < b <= len(spectrum):
            raise StrategyError(
                f"curiosity: spectrum_range {[a, b]} is outside the {len(spectrum)}-point "
                f"array {self.spectrum!r}"
            )
        return spectrum[a:b]

    def _random(
        self, candidates: CandidateSet, n: int, rng: np.random.Generator, n_usable: int
    ) -> list[Suggestion]:
        k = min(n, len(candidates))
        rows = rng.choice(len(candidates), size=k, replace=False)
        info = {"phase": "initial_random", "n_usable": n_usable, "n_initial": self.n_initial}
        return [Suggestion(int(candidates.ids[r]), self.name, info=info) for r in rows]

    # ---- models ---------------------------------------------------------------------------
    def _features(self, lib: _Library, ctx: SuggestContext) -> F32:
        """Featuriser latents of the library rows: the run's preparation when it covers them,
        else trained here (once; cached while the library stays the same)."""
        prep = ctx.prepared
        if prep is not None and prep.settings != self._featuriser_tag(ctx.seed):
            prep = None
        key = prep.key if prep is not None else f"{lib.key}:{self._featuriser_tag(ctx.seed)}"
        c = self._cache
        if c.features is None or c.featuriser_key != key:
            feats = _prepared_rows(prep, lib.ids) if prep is not None else None
            c.features = feats if feats is not None else self._train_featuriser(lib, ctx.seed)
            c.featuriser_key = key
            if c.learner is not None and c.learner.n_trained:  # its error model saw others
                c.learner, c.history = None, ()
        assert c.features is not None
        return c.features

    def _fitted(
        self, lib: _Library, hist: _History, ctx: SuggestContext
    ) -> tuple[SurrogateLearner, dict[str, Any]]:
        """The models after the whole history: from the cache, or replayed from scratch."""
        feats = self._features(lib, ctx) if len(hist.ids) >= self.n_initial else None
        c, ids = self._cache, hist.ids
        check: dict[str, Any] = {}
        if c.learner is None or ids[: len(c.history)] != c.history:
            c.learner = SurrogateLearner(
                (int(lib.patches.shape[1]), int(lib.patches.shape[2])),
                hist.spectra.shape[1],
                self.featuriser.latent_dim,
                self.surrogate,
                np.random.SeedSequence(ctx.seed, spawn_key=(LEARNER_KEY,)),
            )
            c.history = ()
            check = {"resume_check": "replayed"} if feats is not None else {}
        logged = dict(ctx.warm_start.get("curiosity", {}))
        steps = spread_steps(self.surrogate.initial_steps, self.n_initial, self.initial_spread)
        for k in range(len(c.history) + 1, len(ids) + 1):
            rows = hist.rows[:k]
            if k < self.n_initial:
                c.learner.warm_up(lib.patches[rows], hist.spectra[:k], steps[k - 1])
            elif k == self.n_initial:
                assert feats is not None
                c.learner.fit_initial(
                    lib.patches[rows], hist.spectra[:k], feats[rows], steps=steps[-1]
                )
            else:
                assert feats is not None
                self._verify(c.learner, logged, check)
                c.learner.update(lib.patches[rows], hist.spectra[:k], feats[rows])
            c.history = ids[:k]
        self._verify(c.learner, logged, check)
        return c.learner, check

    @staticmethod
    def _verify(learner: SurrogateLearner, logged: dict[str, Any], check: dict[str, Any]) -> None:
        """On a replay, compare with the digest logged when the run had this much history."""
        if check and logged.get("n_trained") == learner.n_trained:
            ok = logged.get("digest") == learner.digest()
            check["resume_check"] = "match" if ok else "MISMATCH"

    # ---- decision -------------------------------------------------------------------------
    def _pick(
        self,
        candidates: CandidateSet,
        lib: _Library,
        hist: _History,
        learner: SurrogateLearner,
        n: int,
        rng: np.random.Generator,
        t: int,
        budget: int,
        check: dict[str, Any],
    ) -> list[Suggestion]:
        assert self._cache.features is not None
        measured = np.zeros(len(lib.ids), dtype=bool)
        measured[hist.rows] = True
        eligible = np.isin(lib.ids, candidates.ids)
        z, _ = learner.predict(lib.patches)
        mc_seed = np.random.SeedSequence(int(rng.integers(0, 2**63)))
        scores = score_library(
            learner, self._cache.features, z, measured, t, budget, self.acquisition, mc_seed
        )
        state = {"curiosity": {"n_trained": learner.n_trained, "digest": learner.digest()}}
        out = []
        for _ in range(min(n, int(eligible.sum()))):
            explore = is_random_step(self.acquisition.epsilon, rng)
            if explore:
                row = int(rng.choice(np.flatnonzero(eligible)))
            else:
                row = top_k_choice(scores.acquisition, eligible, self.acquisition.top_k, rng)
            eligible[row] = False
            out.append(self._suggestion(lib, scores, row, explore, t, budget, check, state))
        return out

    def _suggestion(
        self,
        lib: _Library,
        scores: CuriosityScores,
        row: int,
        explore: bool,
        t: int,
        budget: int,
        check: dict[str, Any],
        state: dict[str, Any],
    ) -> Suggestion:
        info = {
            **scores.at(row),
            "epsilon_step": explore,
            "t": t,
            "budget": budget,
            "n_trained": state["curiosity"]["n_trained"],
            **check,
        }
        return Suggestion(
            int(lib.ids[row]),
            self.name,
            acquisition=float(scores.acquisition[row]),
            info=info,
            model_state=state,
        )
