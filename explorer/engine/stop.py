"""Stop rules: pure functions of the observations and the instrument time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from explorer.config import StopConfig
from explorer.objectives import Objective
from explorer.observations import Observations
from explorer.pareto import hypervolume


@dataclass(frozen=True)
class RunProgress:
    """What stop rules look at."""

    observations: Observations
    instrument_time_s: float


class StopRule(Protocol):
    def reason(self, p: RunProgress) -> str | None:
        """A human-readable reason to stop now, or None to continue."""
        ...


@dataclass(frozen=True)
class MaxPoints:
    n: int

    def reason(self, p: RunProgress) -> str | None:
        return (
            f"max_points reached ({self.n} measurements)" if len(p.observations) >= self.n else None
        )


@dataclass(frozen=True)
class MaxHours:
    hours: float

    def reason(self, p: RunProgress) -> str | None:
        h = p.instrument_time_s / 3600.0
        return f"max_hours reached ({h:.2f} h of instrument time)" if h >= self.hours else None


@dataclass(frozen=True)
class Target:
    """Stop when any objective reaches its target (respecting its direction)."""

    targets: dict[int, float]  # column -> internal-units target
    names: dict[int, str]

    def reason(self, p: RunProgress) -> str | None:
        for col, target in self.targets.items():
            values = p.observations.Y[:, col]
            if np.any(np.isfinite(values) & (values >= target)):
                return f"target reached for {self.names[col]}"
        return None


def _progress_curve(obs: Observations, ref: np.ndarray | None) -> np.ndarray:
    """Best-so-far (one objective) or hypervolume-so-far (several) after each measurement."""
    Y = obs.Y
    if Y.shape[1] == 1:
        col = np.where(np.isfinite(Y[:, 0]), Y[:, 0], -np.inf)
        return np.maximum.accumulate(col)
    assert ref is not None
    return np.array([hypervolume(Y[: k + 1], ref) for k in range(len(Y))])


@dataclass(frozen=True)
class NoImprovement:
    """Stop when the progress curve has not improved by more than `min_delta` (relative to
    its magnitude) during the last `steps` measurements."""

    steps: int
    min_delta: float
    ref_point: tuple[float, ...] | None = None

    def reason(self, p: RunProgress) -> str | None:
        if len(p.observations) <= self.steps:
            return None
        ref = np.array(self.ref_point) if self.ref_point is not None else None
        if p.observations.n_objectives > 1 and ref is None:
            return None  # hypervolume needs a reference point
        curve = _progress_curve(p.observations, ref)
        before, now = curve[-self.steps - 1], curve[-1]
        if not np.isfinite(now):
            return None
        scale = max(abs(before), 1e-12) if np.isfinite(before) else 1.0
        if np.isfinite(before) and (now - before) <= self.min_delta * scale:
            return f"no improvement in the last {self.steps} measurements"
        return None


def build_stop_rules(
    cfg: StopConfig, objectives: tuple[Objective, ...], ref_point: tuple[float, ...] | None = None
) -> list[StopRule]:
    rules: list[StopRule] = []
    if cfg.max_points is not None:
        rules.append(MaxPoints(cfg.max_points))
    if cfg.max_hours is not None:
        rules.append(MaxHours(cfg.max_hours))
    if cfg.target:
        cols = {o.name: k for k, o in enumerate(objectives)}
        rules.append(
            Target(
                {cols[n]: objectives[cols[n]].to_internal(v) for n, v in cfg.target.items()},
                {cols[n]: n for n in cfg.target},
            )
        )
    if cfg.no_improvement is not None:
        rules.append(
            NoImprovement(cfg.no_improvement.steps, cfg.no_improvement.min_delta, ref_point)
        )
    return rules


def first_reason(rules: list[StopRule], progress: RunProgress) -> str | None:
    for rule in rules:
        if (r := rule.reason(progress)) is not None:
            return r
    return None
