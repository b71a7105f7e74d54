"""The top-level campaign model and its cross-field checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from explorer.config.instrument_kinds import InstrumentConfig
from explorer.config.library_config import LibraryConfig
from explorer.config.objectives_config import ConstraintConfig, ObjectiveConfig, OutcomeConfig
from explorer.config.paths import PortablePath
from explorer.config.steering import SteeringConfig
from explorer.config.strategies import (
    MULTI_OBJECTIVE_KINDS,
    SINGLE_OBJECTIVE_KINDS,
    StrategyConfig,
    walk,
    walk_with_keys,
)
from explorer.config.strict_base import Name, NonNegFloat, PositiveFloat, PositiveInt, Strict


class NoImprovementConfig(Strict):
    """Stop when the best value (or hypervolume) has not improved by more than `min_delta`
    (relative) over the last `steps` measurements."""

    steps: PositiveInt
    min_delta: NonNegFloat = 0.0


class StopConfig(Strict):
    """Stop rules; the run stops at the first one met (or when the library is exhausted)."""

    max_points: PositiveInt | None = None
    max_hours: PositiveFloat | None = None
    target: dict[str, float] | None = None
    no_improvement: NoImprovementConfig | None = None


class OutputConfig(Strict):
    dir: PortablePath = Path("runs")
    live_report: bool = False
    strict: bool = True  # False: a failed measurement is logged and skipped, the run goes on
    # log the model's recommendation every N measurements (0: only when the run stops)
    recommend_every: Annotated[int, Field(ge=0)] = 10


class XYPoint(Strict):
    x_mm: float
    y_mm: float


InitialPoint = Annotated[int, Field(ge=0)] | XYPoint


class CampaignConfig(Strict):
    """A whole campaign YAML (schema_version 1)."""

    schema_version: Literal[1]
    name: Name
    seed: Annotated[int, Field(ge=0, lt=2**32)]
    library: LibraryConfig
    instrument: InstrumentConfig
    objectives: Annotated[list[ObjectiveConfig], Field(min_length=1, max_length=8)]
    outcomes: Annotated[list[OutcomeConfig], Field(max_length=16)] = Field(default_factory=list)
    constraints: list[ConstraintConfig] = Field(default_factory=list)
    ref_point: dict[str, float] | Literal["auto"] = "auto"
    strategy: StrategyConfig
    stop: StopConfig = Field(default_factory=StopConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    steering: SteeringConfig = Field(default_factory=SteeringConfig)
    initial_points: list[InitialPoint] = Field(default_factory=list)
    batch_size: Annotated[int, Field(ge=1, le=64)] = 1
    description: str = ""

    @model_validator(mode="after")
    def _cross_checks(self) -> CampaignConfig:
        names = [o.name for o in self.objectives]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"objectives: names must be unique; repeated: {dup}")
        for cfg in walk(self.strategy):
            kind = getattr(cfg, "kind", "")
            chosen = getattr(cfg, "objective", None)
            if kind in MULTI_OBJECTIVE_KINDS and len(names) < 2:
                raise ValueError(
                    f"strategy: kind {kind!r} needs at least 2 objectives, got {len(names)}; "
                    "add an objective or use a single-objective kind such as gp_bo"
                )
            if (
                kind == "curiosity"
                and getattr(cfg, "budget", None) is None
                and (self.stop.max_points is None)
            ):
                raise ValueError(
                    "strategy: kind 'curiosity' anneals over the measurement budget N; set "
                    "stop.max_points or strategy.budget"
                )
            if chosen is not None and chosen not in names:
                raise ValueError(f"strategy.objective: {chosen!r} is not one of {names}")
            if kind in SINGLE_OBJECTIVE_KINDS and len(names) > 1 and chosen is None:
                raise ValueError(
                    f"strategy: kind {kind!r} optimises one objective but {len(names)} are "
                    f"configured; set `objective:` to one of {names} or use kind: mobo"
                )
        if self.stop.target:
            unknown = sorted(set(self.stop.target) - set(names))
            if unknown:
                raise ValueError(f"stop.target: names {unknown} match no objective in {names}")
        self._check_outcomes_and_constraints(names)
        self._check_ref_points(names)
        return self

    def _check_outcomes_and_constraints(self, names: list[str]) -> None:
        outcomes = [o.name for o in self.outcomes]
        clash = sorted(set(outcomes) & set(names) | {n for n in outcomes if outcomes.count(n) > 1})
        if clash:
            raise ValueError(f"outcomes: names {clash} repeat an objective or another outcome")
        for k, c in enumerate(self.constraints):
            if c.name not in names and c.name not in outcomes:
                raise ValueError(
                    f"constraints[{k}].name: {c.name!r} is neither an objective {names} nor an "
                    f"outcome {outcomes}; add it under `outcomes:` or fix the name"
                )

    def _check_ref_points(self, names: list[str]) -> None:
        top = self.ref_point if isinstance(self.ref_point, dict) else None
        if top is not None:
            if len(names) < 2:
                raise ValueError(
                    "ref_point: a hypervolume reference point needs at least 2 objectives; "
                    "remove it or add an objective"
                )
            _check_ref_names("ref_point", top, names)
        for key, cfg in walk_with_keys(self.strategy):
            ref = getattr(cfg, "ref_point", None)
            if not isinstance(ref, dict):
                continue
            _check_ref_names(f"{key}.ref_point", ref, names)
            if top is not None and any(float(ref[n]) != float(top[n]) for n in names):
                raise ValueError(
                    f"{key}.ref_point {ref} disagrees with the campaign's ref_point {top}; "
                    f"delete {key}.ref_point (a deprecated alias) and keep the top-level one"
                )


def _check_ref_names(key: str, ref: dict[str, float], names: list[str]) -> None:
    unknown, missing = sorted(set(ref) - set(names)), sorted(set(names) - set(ref))
    problems = ([f"names {unknown} match no objective"] if unknown else []) + (
        [f"objectives {missing} have no value"] if missing else []
    )
    if problems:
        raise ValueError(
            f"{key}: {' and '.join(problems)}; give one value per objective "
            f"{names}, or write `ref_point: auto`"
        )
