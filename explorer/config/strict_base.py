"""Base model and small shared types for the campaign schema."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

XY = tuple[float, float]
Range = tuple[float, float]
PositiveInt = Annotated[int, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")]


class Strict(BaseModel):
    """Every config model: unknown keys are errors, values are immutable, no NaN/inf."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, populate_by_name=True
    )


def ordered(rng: Range, what: str) -> Range:
    """Validator helper: a (low, high) pair with low < high."""
    lo, hi = rng
    if not lo < hi:
        raise ValueError(f"{what} must be [low, high] with low < high, got [{lo}, {hi}]")
    return rng
