"""Strategy config `kind: dkl_bo`: deep-kernel-learning BO (image patch -> spectrum scalar)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator

from explorer.config.strict_base import NonNegFloat, PositiveFloat, PositiveInt, Strict
from explorer.heavy_modules import heavy

if TYPE_CHECKING:
    from explorer.config.strategy_build import StrategyBuild
    from explorer.strategies.base import Strategy


class DKLNetworkConfig(Strict):
    """Feature extractor and training of the deep kernel (explorer.models.dkl.DKLOptions).

    `extractor: cnn` needs square image-patch features (`library.features: image_patch`) with
    `channels` image channels; `mlp` takes any features; `linear` is a learned linear projection
    only. `input_skip`: the GP kernel also sees the inputs themselves (ARD), so the deep kernel
    contains the plain GP; `linear_skip`: a PCA-initialised linear map added to the network.
    `pretrain: autoencoder` trains the network without labels on every library location's
    features before the first decision; `finetune: false` then freezes it (the GP is fitted as
    gp_bo's ARD GP on [features, codes]); `refit_cold` refits every decision from scratch.
    """

    extractor: Literal["mlp", "cnn", "linear"] = "mlp"
    hidden: Annotated[list[PositiveInt], Field(max_length=4)] = Field(
        default_factory=lambda: [32, 16]
    )
    latent_dim: Annotated[int, Field(ge=1, le=8)] = 2
    channels: PositiveInt = 1
    conv_filters: Annotated[int, Field(ge=1, le=64)] = 8
    input_skip: bool = True
    linear_skip: bool = False
    iters_cold: Annotated[int, Field(ge=1, le=5000)] = 400
    iters_warm: Annotated[int, Field(ge=1, le=5000)] = 100
    lr: PositiveFloat = 0.01
    weight_decay: NonNegFloat = 1e-3
    patience: PositiveInt = 30
    tol: NonNegFloat = 1e-3
    nu: float = 2.5
    pretrain: Literal["none", "autoencoder"] = "none"
    pretrain_iters: Annotated[int, Field(ge=1, le=20000)] = 500
    finetune: bool = True
    refit_cold: bool = False

    @field_validator("nu")
    @classmethod
    def _nu(cls, v: float) -> float:
        if v not in (0.5, 1.5, 2.5):
            raise ValueError(f"nu must be 0.5, 1.5 or 2.5, got {v}")
        return v


class DKLBOConfig(Strict):
    """`{kind: dkl_bo, acquisition: ei, network: {extractor: cnn}, input_transform: quantile}`."""

    kind: Literal["dkl_bo"]
    objective: str | None = None  # which objective to optimise when several are logged
    acquisition: Literal["ei", "log_ei", "pi", "ucb", "max_variance"] = "ei"
    beta: PositiveFloat = 4.0
    xi: Annotated[float, Field(ge=0)] = 0.0
    input_transform: Literal["unit", "quantile"] = "unit"
    warm_start: bool = True
    network: DKLNetworkConfig = Field(default_factory=DKLNetworkConfig)

    def build(self, b: StrategyBuild) -> Strategy:
        DKLOptions = heavy("explorer.models.dkl", "DKLOptions")
        DKLBOStrategy = heavy("explorer.strategies.dkl_bo", "DKLBOStrategy")

        net = self.network.model_dump()
        net["hidden"] = tuple(net["hidden"])
        index = 0 if self.objective is None else b.objective_names.index(self.objective)
        return DKLBOStrategy(
            self.acquisition,
            self.beta,
            self.xi,
            index,
            DKLOptions(**net),
            self.input_transform,
            self.warm_start,
        )
