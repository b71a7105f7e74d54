"""Objectives section: what number each measurement is reduced to, and its direction; recorded
outcomes (measured, not optimised) and outcome constraints."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from explorer.config.strict_base import Name, Strict
from explorer.constraints import OutcomeConstraint
from explorer.objectives import LOOP_METRICS, SPECTRUM_METRICS, Objective


class _MeasuredQuantity(Strict):
    """Where a scalar comes from: `from` (a loop/spectrum channel or `scalar`) and `metric`."""

    name: Name
    source: str = Field(alias="from")
    metric: str
    field: Literal["off", "on"] = "off"
    quantity: str | None = None
    function: str | None = None
    unit: str | None = None  # for plot labels, e.g. "mrad"; loop metrics know their own

    @model_validator(mode="after")
    def _known_metric(self) -> Self:
        if self.function is not None or self.source == "scalar":
            return self
        if self.metric not in LOOP_METRICS and self.metric not in SPECTRUM_METRICS:
            raise ValueError(
                f"unknown metric {self.metric!r} for source {self.source!r}; use one of "
                f"{sorted(LOOP_METRICS + tuple(SPECTRUM_METRICS))}, `from: scalar`, or `function:`"
            )
        return self

    def _objective(self, direction: Literal["maximize", "minimize"]) -> Objective:
        return Objective(
            self.name,
            self.source,
            self.metric,
            direction,
            self.field,
            self.quantity,
            self.function,
        )


class ObjectiveConfig(_MeasuredQuantity):
    """`{name: loop_area, from: sspfm, metric: loop_area, direction: maximize}`."""

    direction: Literal["maximize", "minimize"] = "maximize"

    def build(self) -> Objective:
        return self._objective(self.direction)


class OutcomeConfig(_MeasuredQuantity):
    """A measured quantity that is recorded (and modelled when a constraint names it) but not
    optimised: `{name: fit_r2, from: sspfm, metric: fit_r2}`."""

    def build(self) -> Objective:
        return self._objective("maximize")  # the sign is never used for outcomes


class ConstraintConfig(Strict):
    """`{name: coercive_bias, max: 3.0}`: bounds (user units) on an objective or an outcome."""

    name: Name
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> ConstraintConfig:
        if self.min is None and self.max is None:
            raise ValueError(f"constraint on {self.name!r} needs `min:`, `max:` or both")
        if self.min is not None and self.max is not None and not self.min < self.max:
            raise ValueError(
                f"constraint on {self.name!r}: min {self.min} must be < max {self.max}"
            )
        return self

    def build(self) -> OutcomeConstraint:
        return OutcomeConstraint(self.name, self.min, self.max)
