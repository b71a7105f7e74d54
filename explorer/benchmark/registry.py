"""The benchmark registry: tasks (a campaign, a score, budgets) and strategies (campaign
overrides), read from YAML. The shipped registry is campaigns/benchmark/registry.yaml; a user
task is one more entry of the same shape in their own file (`explorer benchmark --registry`).

    strategies:
      random: {strategy: {kind: random}}
    tasks:
      my-replay:
        family: optimise            # optimise | pareto | discover | structure
        campaign: my-campaign.yaml  # relative to the registry file
        score: {kind: optimum, objective: loop_area}
        budgets: [10, 20]
        strategies: [random, sobol, gp_bo]
        requires_env: [COMBI_EXTERNAL_DATA]   # skipped (with the reason) when unset
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError

from explorer.config import read_yaml
from explorer.errors import ConfigError

Family = Literal["optimise", "pareto", "discover", "structure"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScoreConfig(_Strict):
    """How a run is scored at a budget (higher is better, 0..1).

    optimum: 1 - |true optimum - best true value found| / true range of `objective`;
    topk_recall: fraction of the top `top_fraction` locations (by truth) measured;
    hv_fraction: hypervolume of the true values measured / of all locations, above
    `ref_point` (user units; default: the `auto` rule applied to every location's values, the
    same for every run of the task);
    classes_found: fraction of the classes of `metric` found (or, with `target_class`, 1 when
    that class was found, else 0);
    curiosity_loss: 1 - L / L0, clipped to [0, 1], where L is the curiosity paper's loss (an
    im2spec surrogate trained on the measured spectra `array` with the paper's schedule, the
    initial fit on the first `n_initial`; the minimum over its updates of the summed per-pixel
    MSE over the whole grid) and L0 that sum for the grid's mean spectrum: the share of the
    grid's spectral variance the surrogate explains (explorer.benchmark.curiosity_loss).
    """

    kind: Literal["optimum", "topk_recall", "hv_fraction", "classes_found", "curiosity_loss"]
    objective: str | None = None
    top_fraction: float = Field(0.05, gt=0, lt=1)
    metric: str = "phase_class"
    target_class: int | None = None
    ref_point: dict[str, float] | None = None
    array: str | None = None  # curiosity_loss: the spectrum's "<channel>.<quantity>" key
    n_initial: PositiveInt = 31  # curiosity_loss: measurements of the initial fit


class TaskConfig(_Strict):
    family: Family
    campaign: Path
    score: ScoreConfig
    budgets: list[PositiveInt] = Field(min_length=1)
    strategies: list[str] = Field(min_length=2)
    overrides: dict[str, Any] = Field(default_factory=dict)
    requires_env: list[str] = Field(default_factory=list)
    description: str = ""


class RegistryConfig(_Strict):
    schema_version: Literal[1] = 1
    strategies: dict[str, dict[str, Any]]
    tasks: dict[str, TaskConfig]


def load_registry(path: Path) -> RegistryConfig:
    """Read and validate a registry; ConfigError with one line naming the problem."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a benchmark registry must be a YAML mapping")
    try:
        reg = RegistryConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}") from None
    for name, task in reg.tasks.items():
        unknown = [s for s in task.strategies if s not in reg.strategies]
        if unknown:
            raise ConfigError(
                f"{path}: tasks.{name}.strategies: unknown {unknown}; define them under strategies"
            )
    return _resolved(reg, path.parent)


def _resolved(reg: RegistryConfig, base: Path) -> RegistryConfig:
    tasks = {
        name: t.model_copy(
            update={"campaign": t.campaign if t.campaign.is_absolute() else base / t.campaign}
        )
        for name, t in reg.tasks.items()
    }
    return reg.model_copy(update={"tasks": tasks})


def skip_reason(task: TaskConfig) -> str | None:
    """Why the task cannot run here (a variable it needs is unset), or None."""
    missing = [v for v in task.requires_env if not os.environ.get(v)]
    return f"needs {', '.join(missing)} (external data)" if missing else None
