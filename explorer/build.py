"""Config -> runtime objects. The one place that wires components and derives RNGs.

Seeds: everything random descends from `config.seed` through `np.random.SeedSequence` with fixed
spawn keys, so components never share a stream and a resumed run reproduces every draw:

    (seed, 1, step)  -> generator of the strategy decision at `step`
    (seed, 2)        -> stable strategy seed (designs such as an initial Sobol sequence)
    (seed, 3)        -> instrument seed (simulated sample, per-location noise)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.campaign import Campaign
from explorer.config import CampaignConfig, StrategyBuild
from explorer.config.campaign import XYPoint
from explorer.config.instrument import SimInstrumentConfig
from explorer.config.library import GridLibrary, LinearComposition
from explorer.config.replay import ReplayInstrumentConfig
from explorer.errors import CandidateError, ConfigError
from explorer.library import CandidateSet
from explorer.objectives import Objective
from explorer.stop import StopRule, build_stop_rules
from hardware.protocols import Instrument


def _seed_int(seed: int, *key: int) -> int:
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1)[0])


def rng_factory(seed: int) -> Callable[[int], np.random.Generator]:
    """step -> Generator for that decision."""
    return lambda step: np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, step)))


@dataclass(frozen=True)
class Seeds:
    campaign: int
    strategy: int
    instrument: int

    @classmethod
    def derive(cls, seed: int) -> Seeds:
        return cls(seed, _seed_int(seed, 2), _seed_int(seed, 3))


def build_library(cfg: CampaignConfig) -> CandidateSet:
    try:
        return cfg.library.build()
    except CandidateError as exc:
        raise ConfigError(f"library: {exc}") from None


def build_objectives(cfg: CampaignConfig) -> tuple[Objective, ...]:
    return tuple(o.build() for o in cfg.objectives)


def composition_function(cfg: CampaignConfig) -> Callable[[float, float], float]:
    """Position -> dopant fraction for simulated binary samples (from the library's map)."""
    lib = cfg.library
    if not isinstance(lib, GridLibrary) or not isinstance(lib.composition, LinearComposition):
        raise ConfigError(
            "instrument: the simulated smbfo sample needs library.composition of kind: linear "
            "(the Sm gradient); add one"
        )
    comp = lib.composition.build(lib.x_mm, lib.y_mm)
    return lambda x_mm, y_mm: float(comp(np.array([[x_mm, y_mm]]))[0, 0])


def initial_location_ids(cfg: CampaignConfig, library: CandidateSet) -> list[int]:
    """Resolve `initial_points` (ids or stage positions) to location ids; ConfigError if bad."""
    pos = library.positions_mm
    if len(pos) > 1:
        from scipy.spatial import cKDTree

        spacing = float(np.median(cKDTree(pos).query(pos, k=2)[0][:, 1]))
    else:
        spacing = 1.0
    out: list[int] = []
    for k, p in enumerate(cfg.initial_points):
        if isinstance(p, XYPoint):
            lid = library.nearest(p.x_mm, p.y_mm)
            x, y = library.position_of(lid)
            if np.hypot(x - p.x_mm, y - p.y_mm) > 0.75 * spacing:
                raise ConfigError(
                    f"initial_points[{k}]: ({p.x_mm}, {p.y_mm}) mm is not near any library "
                    f"location (nearest is id {lid} at ({x:.3f}, {y:.3f}) mm)"
                )
        else:
            lid = int(p)
            if not library.contains(lid):
                raise ConfigError(
                    f"initial_points[{k}]: location id {lid} is not in the library "
                    "(outside the outline, in a keep-out, or beyond the grid)"
                )
        if lid in out:
            raise ConfigError(f"initial_points[{k}]: location {lid} is listed twice")
        out.append(lid)
    return out


def validate_deep(cfg: CampaignConfig) -> CandidateSet:
    """Checks that need the built library (run by `validate` and before every run); returns it."""
    library = build_library(cfg)
    initial_location_ids(cfg, library)
    if isinstance(cfg.instrument, SimInstrumentConfig):
        composition_function(cfg)
    if isinstance(cfg.instrument, ReplayInstrumentConfig):
        cfg.instrument.check_library(library)
    if cfg.stop.max_points is not None and cfg.stop.max_points > len(library):
        raise ConfigError(
            f"stop.max_points: {cfg.stop.max_points} exceeds the {len(library)} library locations"
        )
    return library


def build_campaign(cfg: CampaignConfig, library: CandidateSet) -> Campaign:
    seeds = Seeds.derive(cfg.seed)
    objectives = build_objectives(cfg)
    strategy = cfg.strategy.build(StrategyBuild(tuple(o.name for o in objectives)))
    return Campaign(
        library,
        objectives,
        strategy,
        rng_factory(cfg.seed),
        strategy_seed=seeds.strategy,
        budget=cfg.stop.max_points,
    )


def build_instrument(
    cfg: CampaignConfig,
    *,
    prior_measurements: int = 0,
    start_time_s: float = 0.0,
    start_xy_mm: tuple[float, float] | None = None,
) -> Instrument:
    """Construct the instrument (only after the config passed validate_deep)."""
    seeds = Seeds.derive(cfg.seed)
    inst = cfg.instrument
    return inst.build(
        seed=seeds.instrument,
        composition_at=(
            composition_function(cfg) if isinstance(inst, SimInstrumentConfig) else None
        ),
        prior_measurements=prior_measurements,
        start_time_s=start_time_s,
        start_xy_mm=start_xy_mm,
    )


def build_stop(cfg: CampaignConfig, objectives: tuple[Objective, ...]) -> list[StopRule]:
    return build_stop_rules(cfg.stop, objectives)


def resolved_config(cfg: CampaignConfig, versions: dict[str, str]) -> dict[str, Any]:
    """The config as it will run (defaults filled in), plus versions, for config.yaml."""
    data = cfg.model_dump(mode="json", by_alias=True)
    data["_resolved"] = {"versions": versions, "seed": cfg.seed}
    return data
