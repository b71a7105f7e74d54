"""Strategy section: one config class per `kind`, each with `build()`.

The discriminated union `StrategyConfig` is the only registry of strategy kinds. `build()` gets a
`StrategyBuild` with what the campaign knows (objective names), imports its implementation
lazily (so a random campaign never imports torch) and returns a Strategy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator

from explorer.config.curiosity_config import CuriosityConfig
from explorer.config.dkl_config import DKLBOConfig
from explorer.config.library_config import RegionConfig
from explorer.config.strategy_build import StrategyBuild
from explorer.config.strict_base import PositiveFloat, PositiveInt, Strict
from explorer.heavy_modules import heavy
from explorer.strategies.composite import TwoPhaseStrategy
from explorer.strategies.exclude import ExcludeRegionsStrategy
from explorer.strategies.skopt_strategy import SkoptStrategy
from explorer.strategies.space_filling import (
    DesignStrategy,
    GridStrategy,
    MaxMinStrategy,
    RandomStrategy,
)
from novelty.sane import SANEOptions
from novelty.scores import IntegratedScore, default_scorers

if TYPE_CHECKING:
    from explorer.strategies.base import Strategy


class _SingleObjective(Strict):
    objective: str | None = None  # which objective to optimise when several are logged

    def objective_index(self, b: StrategyBuild) -> int:
        if self.objective is None:
            return 0
        return b.objective_names.index(self.objective)


class RandomConfig(Strict):
    kind: Literal["random"]
    n: PositiveInt | None = None  # design size when used as two_phase.initial

    def build(self, b: StrategyBuild) -> Strategy:
        return RandomStrategy()


class GridConfig(Strict):
    kind: Literal["grid"]
    order: Literal["raster", "serpentine"] = "serpentine"
    n: PositiveInt | None = None

    def build(self, b: StrategyBuild) -> Strategy:
        return GridStrategy(self.order)


class SobolConfig(Strict):
    kind: Literal["sobol"]
    n: PositiveInt | None = None
    scramble: bool = True
    space: Literal["features", "positions"] = "features"

    def build(self, b: StrategyBuild) -> Strategy:
        return DesignStrategy("sobol", self.n, self.scramble, name="sobol", space=self.space)


class LHSConfig(Strict):
    kind: Literal["lhs"]
    n: PositiveInt | None = None
    space: Literal["features", "positions"] = "features"

    def build(self, b: StrategyBuild) -> Strategy:
        return DesignStrategy("lhs", self.n, name="lhs", space=self.space)


class MaxMinConfig(Strict):
    kind: Literal["maxmin"]
    n: PositiveInt | None = None
    space: Literal["features", "positions"] = "features"

    def build(self, b: StrategyBuild) -> Strategy:
        return MaxMinStrategy(self.space, self.n)


class GPConfig(Strict):
    """Kernel and fitting options of the exact GP."""

    nu: Annotated[float, Field(description="Matern smoothness: 0.5, 1.5 or 2.5")] = 2.5
    ard: bool = True
    noise_variance: PositiveFloat | None = None
    max_iter_cold: PositiveInt = 200
    max_iter_warm: PositiveInt = 30
    restarts: Annotated[int, Field(ge=0, le=2)] = 1
    fit_subset: PositiveInt | None = 512
    lengthscale_scaling: Literal["none", "sqrt_dim"] = "none"

    @field_validator("nu")
    @classmethod
    def _nu(cls, v: float) -> float:
        if v not in (0.5, 1.5, 2.5):
            raise ValueError(f"nu must be 0.5, 1.5 or 2.5, got {v}")
        return v


class GPBOConfig(_SingleObjective):
    kind: Literal["gp_bo"]
    acquisition: Literal["ei", "log_ei", "pi", "ucb", "max_variance"] = "log_ei"
    beta: PositiveFloat = 4.0
    xi: Annotated[float, Field(ge=0)] = 0.0
    warm_start: bool = True
    output_transform: Literal["none", "bilog"] = "none"
    incumbent: Literal["observed", "posterior_mean"] = "posterior_mean"
    lengthscale_prior: Literal["default", "resolution"] = "default"
    resolution_cells: PositiveFloat = 4.0
    gp: GPConfig = Field(default_factory=GPConfig)

    def build(self, b: StrategyBuild) -> Strategy:
        GPOptions = heavy("explorer.models.gp", "GPOptions")
        GPBOStrategy = heavy("explorer.strategies.gp_bo", "GPBOStrategy")

        return GPBOStrategy(
            self.acquisition,
            self.beta,
            self.xi,
            self.objective_index(b),
            GPOptions(**self.gp.model_dump()),
            self.warm_start,
            self.output_transform,
            self.incumbent,
            self.lengthscale_prior,
            self.resolution_cells,
        )


class SkoptConfig(_SingleObjective):
    kind: Literal["skopt"]
    acq_func: Literal["EI", "PI", "LCB"] = "EI"
    xi: Annotated[float, Field(ge=0)] = 0.01
    kappa: PositiveFloat = 1.96

    def build(self, b: StrategyBuild) -> Strategy:
        return SkoptStrategy(self.acq_func, self.xi, self.kappa, self.objective_index(b))


class MOBOConfig(Strict):
    """Multi-objective GP BO (explorer.strategies.mobo): one GP per objective.

    The reference point is the campaign's top-level `ref_point:` (`{objective: value}` in user
    units, shared by every strategy so hypervolumes of all runs compare). `ref_point` here is a
    deprecated alias that must agree with it. Without either (`auto`) it is chosen once, at the
    first model-based decision, as worst observed value − 0.1 × observed range per objective
    (logged as a `ref_point_chosen` event). Outcome constraints come from the campaign's
    `constraints:`.

    `stall_threshold` (ehvi only): when the largest EHVI of a decision is below this fraction of
    the hypervolume already dominated, the pick explores instead (`stall_explore`: `variance`,
    the largest normalised posterior variance, or `maxmin`, the farthest candidate); `null`
    keeps pure EHVI.
    """

    kind: Literal["mobo"]
    acquisition: Literal["ehvi", "log_nehvi", "parego", "ucb_scalarized"] = "ehvi"
    ref_point: dict[str, float] | Literal["auto"] = "auto"
    beta: PositiveFloat = 4.0
    rho: Annotated[float, Field(ge=0, le=1)] = 0.05
    mc_samples: Annotated[int, Field(ge=8, le=4096)] = 128
    incumbent: Literal["observed", "posterior_mean"] = "posterior_mean"
    warm_start: bool = True
    refit_every: PositiveInt = 1
    stall_threshold: Annotated[float, Field(gt=0, lt=1)] | None = 1e-3
    stall_explore: Literal["variance", "maxmin"] = "variance"
    gp: GPConfig = Field(default_factory=GPConfig)

    def internal_ref_point(self, b: StrategyBuild) -> tuple[float, ...] | None:
        ref = self.ref_point if isinstance(self.ref_point, dict) else b.ref_point
        if ref is None:
            return None
        return tuple(b.sign(name) * ref[name] for name in b.objective_names)

    def build(self, b: StrategyBuild) -> Strategy:
        GPOptions = heavy("explorer.models.gp", "GPOptions")
        MOBOStrategy = heavy("explorer.strategies.mobo", "MOBOStrategy")
        ModelConstraint = heavy("explorer.strategies.mobo", "ModelConstraint")

        constraints = tuple(
            ModelConstraint(c.name, *c.internal_bounds(b.sign(c.name))) for c in b.constraints
        )
        return MOBOStrategy(
            self.acquisition,
            self.internal_ref_point(b),
            constraints,
            self.beta,
            self.rho,
            self.mc_samples,
            self.incumbent,
            GPOptions(**self.gp.model_dump()),
            self.warm_start,
            self.refit_every,
            self.stall_threshold,
            self.stall_explore,
        )


class BotorchConfig(_SingleObjective):
    """BoTorch's standard recipe (SingleTaskGP + fit_gpytorch_mll + LogEI on the candidates),
    for comparison with gp_bo on identical campaigns."""

    kind: Literal["botorch"]

    def build(self, b: StrategyBuild) -> Strategy:
        BotorchStrategy = heavy("explorer.strategies.botorch_recipe", "BotorchStrategy")

        return BotorchStrategy(self.objective_index(b))


class NoveltyScoreConfig(Strict):
    """The integrated novelty score (novelty/scores.py): which scorers, weights, normalisation."""

    weights: dict[
        Literal["knn", "min_distance", "surprise", "reconstruction", "inverse_distance"],
        Annotated[float, Field(ge=0)],
    ] = Field(default_factory=dict)
    normalisation: Literal["robust_z", "rank"] = "robust_z"
    k: PositiveInt = 10
    reconstruction: Literal["pca", "autoencoder"] = "pca"
    n_components: PositiveInt = 3
    clip: PositiveFloat = 3.0
    snr_scale: Annotated[float, Field(ge=0)] = 3.0


class SANEConfig(Strict):
    """Strategic sampling (novelty/sane.py; defaults: the SANE notebook)."""

    local_cost: Annotated[float, Field(ge=0)] = 1.0
    global_cost: Annotated[float, Field(ge=0)] = 1.0
    explore_after: Annotated[float, Field(ge=0, le=1)] = 0.6
    full_local_threshold: Annotated[float, Field(gt=0, le=1)] = 0.75
    probabilistic_roi: bool = True
    penalty: PositiveFloat = 1000.0
    vote_radius: PositiveFloat = 0.15
    acquisition: Literal["mean_coverage", "ei"] = "mean_coverage"
    exploration_weight: Annotated[float, Field(ge=0)] = 1.0
    cost_floor: Annotated[float, Field(gt=0, le=1)] = 0.25


class NoveltyConfig(Strict):
    """INS2ANE-like novelty discovery (explorer.strategies.novelty): novelty scores of the
    measured `spectrum`, a GP of the integrated score, SANE's strategic acquisition."""

    kind: Literal["novelty"]
    spectrum: str = "sspfm.pr_on"
    score: NoveltyScoreConfig = Field(default_factory=NoveltyScoreConfig)
    sane: SANEConfig = Field(default_factory=SANEConfig)
    min_spectra: Annotated[int, Field(ge=2)] = 4
    gp: GPConfig = Field(default_factory=GPConfig)

    def build(self, b: StrategyBuild) -> Strategy:
        GPOptions = heavy("explorer.models.gp", "GPOptions")
        NoveltyStrategy = heavy("explorer.strategies.novelty", "NoveltyStrategy")

        sc = self.score
        if sc.weights and sum(sc.weights.values()) <= 0:
            raise ValueError("strategy.score.weights must not all be zero")
        scorer = IntegratedScore(
            default_scorers(sc.k, sc.n_components, sc.reconstruction),
            {str(k): v for k, v in sc.weights.items()},
            sc.normalisation,
            sc.clip,
            sc.snr_scale,
        )
        return NoveltyStrategy(
            self.spectrum,
            scorer,
            sc.n_components,
            SANEOptions(**self.sane.model_dump()),
            GPOptions(**self.gp.model_dump()),
            self.min_spectra,
        )


InitialDesignConfig = Annotated[
    RandomConfig | GridConfig | SobolConfig | LHSConfig | MaxMinConfig, Field(discriminator="kind")
]


class TwoPhaseConfig(Strict):
    """An initial design of `initial.n` points (user initial_points count toward it), then
    the model-based `then` strategy."""

    kind: Literal["two_phase"]
    initial: InitialDesignConfig
    then: StrategyConfig

    def build(self, b: StrategyBuild) -> Strategy:
        n = self.initial.n or 8
        return TwoPhaseStrategy(self.initial.build(b), n, self.then.build(b))


class ExcludeConfig(Strict):
    """`wrapped`, never picking a location inside any of `regions` (stage mm). The locations
    stay in the library (initial_points and the queue may still measure them)."""

    kind: Literal["exclude"]
    regions: Annotated[list[RegionConfig], Field(min_length=1)]
    wrapped: StrategyConfig

    def build(self, b: StrategyBuild) -> Strategy:
        regions = tuple(r.build() for r in self.regions)
        return ExcludeRegionsStrategy(self.wrapped.build(b), regions)


StrategyConfig = Annotated[
    RandomConfig
    | GridConfig
    | SobolConfig
    | LHSConfig
    | MaxMinConfig
    | GPBOConfig
    | SkoptConfig
    | DKLBOConfig
    | MOBOConfig
    | BotorchConfig
    | CuriosityConfig
    | NoveltyConfig
    | TwoPhaseConfig
    | ExcludeConfig,
    Field(discriminator="kind"),
]

#: kinds that optimise exactly one objective (need `objective:` when several are configured)
SINGLE_OBJECTIVE_KINDS = ("gp_bo", "skopt", "botorch", "dkl_bo")
#: kinds that need at least two objectives
MULTI_OBJECTIVE_KINDS: tuple[str, ...] = ("mobo",)

TwoPhaseConfig.model_rebuild()
ExcludeConfig.model_rebuild()


def walk(cfg: Strict) -> list[Strict]:
    """This strategy config and every nested one (two_phase initial/then, wrappers)."""
    return [c for _, c in walk_with_keys(cfg)]


def walk_with_keys(cfg: Strict, key: str = "strategy") -> list[tuple[str, Strict]]:
    """(YAML key path, config) of this strategy config and every nested one."""
    out = [(key, cfg)]
    for name in ("initial", "then", "wrapped"):
        child = getattr(cfg, name, None)
        if isinstance(child, Strict):
            out += walk_with_keys(child, f"{key}.{name}")
    return out
