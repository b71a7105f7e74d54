"""Objectives section: what number each measurement is reduced to, and its direction."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from explorer.config.base import Name, Strict
from explorer.objectives import LOOP_METRICS, SPECTRUM_METRICS, Objective


class ObjectiveConfig(Strict):
    """`{name: loop_area, from: sspfm, metric: loop_area, direction: maximize}`."""

    name: Name
    source: str = Field(alias="from")
    metric: str
    direction: Literal["maximize", "minimize"] = "maximize"
    field: Literal["off", "on"] = "off"
    quantity: str | None = None
    function: str | None = None
    unit: str | None = None  # for plot labels, e.g. "mrad"; loop metrics know their own

    @model_validator(mode="after")
    def _known_metric(self) -> ObjectiveConfig:
        if self.function is not None or self.source == "scalar":
            return self
        if self.metric not in LOOP_METRICS and self.metric not in SPECTRUM_METRICS:
            raise ValueError(
                f"unknown metric {self.metric!r} for source {self.source!r}; use one of "
                f"{sorted(LOOP_METRICS + tuple(SPECTRUM_METRICS))}, `from: scalar`, or `function:`"
            )
        return self

    def build(self) -> Objective:
        return Objective(
            self.name,
            self.source,
            self.metric,
            self.direction,
            self.field,
            self.quantity,
            self.function,
        )
