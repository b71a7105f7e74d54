"""`strategy: {kind: curiosity}`: curiosity-driven exploration; defaults are the paper's values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator

from explorer.config.strict_base import NonNegFloat, PositiveFloat, PositiveInt, Strict
from explorer.heavy_modules import heavy

if TYPE_CHECKING:
    from explorer.config.strategy_build import StrategyBuild
    from explorer.strategies.base import Strategy

Probability = Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)]


class CuriosityModelsConfig(Strict):
    """Networks and update schedule (Vatsavai et al. 2025 / the authors' notebook)."""

    featuriser_latent_dim: PositiveInt = 3
    featuriser_epochs: Annotated[int, Field(ge=0)] = 30
    featuriser_batch_size: PositiveInt = 64
    featuriser_lr: PositiveFloat = 1e-3
    latent_dim: PositiveInt = 2  # im2spec latent: the novelty space
    filters: PositiveInt = 64
    dropout: Probability = 0.5
    lr: PositiveFloat = 1e-3  # AdamW
    error_hidden: PositiveInt = 128
    error_dropout: Probability = 0.1
    error_lr: PositiveFloat = 1e-2  # Adam
    initial_steps: PositiveInt = 150
    initial_error_steps: PositiveInt = 60
    update_steps: PositiveInt = 2
    update_error_steps: PositiveInt = 20
    initial_spread: PositiveInt = 5  # decisions sharing the initial steps (1: the paper's)


class CuriosityConfig(Strict):
    """A = ê(1 − e^{−λt/N}) + n·e^{−λt/N} + σu; ε-random steps; uniform among the top k.

    `spectrum` names the measured array the surrogate learns (`<channel>.<quantity>`); the
    library's features must be flattened image patches (a dataset library).
    """

    kind: Literal["curiosity"]
    spectrum: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+$")]
    spectrum_range: tuple[Annotated[int, Field(ge=0)], PositiveInt] | None = None
    patch_shape: tuple[PositiveInt, PositiveInt] | None = None
    n_initial: Annotated[int, Field(ge=2)] = 31  # start point + 30 random
    budget: PositiveInt | None = None  # N; default stop.max_points
    lam: NonNegFloat = 2.0
    top_k: PositiveInt = 10
    epsilon: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.1
    mc_passes: Annotated[int, Field(ge=2)] = 500
    sigma: NonNegFloat = 0.0  # 2.0: the MC-dropout variant
    models: CuriosityModelsConfig = Field(default_factory=CuriosityModelsConfig)

    @field_validator("spectrum_range")
    @classmethod
    def _range(cls, v: tuple[int, int] | None) -> tuple[int, int] | None:
        if v is not None and not v[0] < v[1]:
            raise ValueError(f"spectrum_range must be [start, stop) with start < stop, got {v}")
        return v

    def build(self, b: StrategyBuild) -> Strategy:
        CuriosityStrategy = heavy("explorer.strategies.curiosity", "CuriosityStrategy")
        AcquisitionParams = heavy("novelty.curiosity.acquisition", "AcquisitionParams")
        FeaturiserSettings = heavy("novelty.curiosity.learner", "FeaturiserSettings")
        SurrogateSettings = heavy("novelty.curiosity.learner", "SurrogateSettings")

        m = self.models
        return CuriosityStrategy(
            self.spectrum,
            self.spectrum_range,
            self.patch_shape,
            self.n_initial,
            self.budget,
            AcquisitionParams(self.lam, self.top_k, self.epsilon, self.mc_passes, self.sigma),
            SurrogateSettings(
                m.latent_dim,
                m.filters,
                m.dropout,
                m.lr,
                m.error_hidden,
                m.error_dropout,
                m.error_lr,
                m.initial_steps,
                m.initial_error_steps,
                m.update_steps,
                m.update_error_steps,
            ),
            FeaturiserSettings(
                m.featuriser_latent_dim,
                m.filters,
                m.featuriser_epochs,
                m.featuriser_batch_size,
                m.featuriser_lr,
            ),
            initial_spread=m.initial_spread,
        )
