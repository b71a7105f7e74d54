"""The sweep YAML: a grid of campaigns (base campaign x overrides x datasets x seeds).

```yaml
schema_version: 1
name: smbfo-strategies            # results go to <output.dir>/<name>/
base: ../campaigns/smbfo-gp-bo.yaml   # a campaign file (relative to this file) or a mapping
overrides:                        # named partial campaigns, deep-merged into base
  gp_bo: {}
  random: {strategy: {kind: random}}
datasets:                         # named partial campaigns for the library / instrument
  smbfo-sim: {}
seeds: [1, 2, 3]                  # or {start: 0, count: 10}
max_points: 20                    # optional: stop.max_points of every campaign
output: {dir: runs/sweeps}
```

Merging: mappings merge key by key, anything else replaces; a mapping whose `kind:` differs from
the base's replaces it whole (a different strategy kind shares none of the old keys). Every
merged campaign is validated like a campaign file before any task starts, one line per problem.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator

from explorer.config.loading import format_validation_error, parse_config, read_yaml
from explorer.config.strict_base import Name, PositiveInt, Strict
from explorer.engine.build import validate_deep
from explorer.errors import ConfigError

Partial = dict[str, Any]


def _one(name: str) -> dict[str, Partial]:
    return {name: {}}


class SeedRange(Strict):
    start: Annotated[int, Field(ge=0)] = 0
    count: Annotated[int, Field(ge=1, le=100_000)]


class SweepOutput(Strict):
    dir: Path = Path("runs/sweeps")


class SweepConfig(Strict):
    """A whole sweep YAML (schema_version 1)."""

    schema_version: Literal[1]
    name: Name
    base: Path | Partial
    overrides: dict[Name, Partial] = Field(default_factory=lambda: _one("base"), min_length=1)
    datasets: dict[Name, Partial] = Field(default_factory=lambda: _one("default"), min_length=1)
    seeds: Annotated[list[Annotated[int, Field(ge=0, lt=2**32)]], Field(min_length=1)] | SeedRange
    max_points: PositiveInt | None = None
    output: SweepOutput = Field(default_factory=SweepOutput)
    description: str = ""

    @field_validator("seeds")
    @classmethod
    def _unique(cls, v: list[int] | SeedRange) -> list[int] | SeedRange:
        if isinstance(v, list) and len(set(v)) != len(v):
            raise ValueError(f"seeds must be distinct, got {v}")
        return v

    def seed_list(self) -> list[int]:
        if isinstance(self.seeds, SeedRange):
            return list(range(self.seeds.start, self.seeds.start + self.seeds.count))
        return list(self.seeds)


def deep_merge(base: Partial, override: Partial) -> Partial:
    """base updated by override (see the module docstring for the rules); inputs unchanged."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        old = out.get(key)
        if (
            isinstance(value, dict)
            and isinstance(old, dict)
            and value.get("kind", old.get("kind")) == old.get("kind")
        ):
            out[key] = deep_merge(old, value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@dataclass(frozen=True)
class SweepTask:
    """One campaign of the grid.

    Attributes:
        key: "<dataset>/<override>/seed-<seed>", unique in the sweep (also its directory).
        campaign: the merged campaign mapping (validated), output.dir set to task_dir.
        task_dir: where its run directory lives.
        threads: numeric threads the worker may use for it.
    """

    sweep: str
    key: str
    dataset: str
    override: str
    seed: int
    campaign: dict[str, Any]
    task_dir: str
    threads: int = 1


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep: its directory and every task, in grid order."""

    name: str
    sweep_dir: Path
    tasks: tuple[SweepTask, ...]


def load_sweep(path: Path, *, out: Path | None = None) -> SweepPlan:
    """Read, validate and expand a sweep YAML; ConfigError with one line per problem."""
    data = read_yaml(path)
    return plan_sweep(data, source=str(path), base_dir=path.parent, out=out)


def plan_sweep(
    data: Any, *, source: str = "<sweep>", base_dir: Path = Path(), out: Path | None = None
) -> SweepPlan:
    """Validate a parsed sweep mapping and expand it into tasks (all campaigns validated)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a sweep must be a YAML mapping, got {type(data).__name__}")
    try:
        cfg = SweepConfig.model_validate(data)
    except ValidationError as exc:
        lines = tuple(f"{source}: {line}" for line in format_validation_error(exc))
        raise ConfigError(lines[0], lines) from None
    base = _base_campaign(cfg, source, base_dir)
    sweep_dir = (out or cfg.output.dir) / cfg.name
    tasks, problems = _expand(cfg, base, sweep_dir, source)
    if problems:
        raise ConfigError(problems[0], tuple(problems))
    return SweepPlan(cfg.name, sweep_dir, tuple(tasks))


def _base_campaign(cfg: SweepConfig, source: str, base_dir: Path) -> Partial:
    if isinstance(cfg.base, dict):
        return cfg.base
    path = cfg.base if cfg.base.is_absolute() else base_dir / cfg.base
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: base: {path} is not a campaign mapping")
    return data


def _expand(
    cfg: SweepConfig, base: Partial, sweep_dir: Path, source: str
) -> tuple[list[SweepTask], list[str]]:
    tasks: list[SweepTask] = []
    problems: list[str] = []
    for dataset, ds_partial in cfg.datasets.items():
        for override, ov_partial in cfg.overrides.items():
            merged = deep_merge(deep_merge(base, ds_partial), ov_partial)
            if cfg.max_points is not None:
                merged = deep_merge(merged, {"stop": {"max_points": cfg.max_points}})
            where = f"{source} [datasets.{dataset} + overrides.{override}]"
            for seed in cfg.seed_list():
                task_dir = sweep_dir / "tasks" / dataset / override / f"seed-{seed}"
                campaign = deep_merge(merged, {"seed": seed, "output": {"dir": str(task_dir)}})
                try:
                    validate_deep(parse_config(campaign, source=where))
                except ConfigError as exc:
                    lines = [p if p.startswith(where) else f"{where}: {p}" for p in exc.problems]
                    problems.extend(p for p in lines if p not in problems)
                    break  # the same problem for every seed
                key = f"{dataset}/{override}/seed-{seed}"
                tasks.append(
                    SweepTask(cfg.name, key, dataset, override, seed, campaign, str(task_dir))
                )
    return tasks, problems
