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
from pathlib import Path
from typing import Any

import numpy as np

from explorer.config import CampaignConfig, StrategyBuild
from explorer.config.campaign_config import XYPoint
from explorer.config.foresight import foresee
from explorer.config.instrument import SimInstrumentConfig
from explorer.config.library_config import GridLibrary
from explorer.config.replay import DatasetLibrary, ReplayInstrumentConfig
from explorer.config.strategies import walk
from explorer.constraints import OutcomeConstraint
from explorer.engine.campaign import Campaign
from explorer.engine.stop import StopRule, build_stop_rules
from explorer.errors import CandidateError, ConfigError
from explorer.library import CandidateSet, Rect
from explorer.objectives import Objective, load_function
from hardware.assembly.samples import sample_elements
from hardware.assembly.specs import InstrumentBuild
from hardware.protocols import Instrument
from hardware.safety import SoftFence


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


def build_outcomes(cfg: CampaignConfig) -> tuple[Objective, ...]:
    """Measured quantities that are recorded but not optimised (e.g. for constraints)."""
    return tuple(o.build() for o in cfg.outcomes)


def build_constraints(cfg: CampaignConfig) -> tuple[OutcomeConstraint, ...]:
    return tuple(c.build() for c in cfg.constraints)


def explicit_ref_point(cfg: CampaignConfig) -> dict[str, float] | None:
    """The campaign's reference point (user units): the top-level `ref_point`, else the one a
    strategy gives (the deprecated alias, checked to agree by the config)."""
    if isinstance(cfg.ref_point, dict):
        return {o.name: float(cfg.ref_point[o.name]) for o in cfg.objectives}
    for c in walk(cfg.strategy):
        ref = getattr(c, "ref_point", None)
        if isinstance(ref, dict):
            return {o.name: float(ref[o.name]) for o in cfg.objectives}
    return None


def composition_function(cfg: CampaignConfig) -> Callable[[float, float], dict[str, float]]:
    """Position -> composition (element -> fraction) from the library's composition map.

    A binary gradient gives its one element (`{"Sm": 0.12}`); ternary maps give all three.
    Raises ConfigError when the library has no map or lacks an element the simulated sample
    reads (for instance an `alscbn` sample on a Sm gradient)."""
    lib = cfg.library
    needed = _sample_elements(cfg)
    if not needed and (not isinstance(lib, GridLibrary) or lib.composition is None):
        return lambda x_mm, y_mm: {}  # a sample whose map follows the position (phases)
    if not isinstance(lib, GridLibrary) or lib.composition is None:
        raise ConfigError(
            f"library.composition: the simulated {cfg.instrument.kind} sample needs a "
            f"composition map with element(s) {list(needed)}; add one"
        )
    comp = lib.composition.build(lib.x_mm, lib.y_mm)
    elements = tuple(comp.elements)
    missing = [e for e in needed if e not in elements]
    if missing:
        raise ConfigError(
            f"library.composition: the simulated sample needs element(s) {missing} but the map "
            f"gives {list(elements)}; use a composition map over {list(needed)}"
        )

    def at(x_mm: float, y_mm: float) -> dict[str, float]:
        row = comp(np.array([[x_mm, y_mm]]))[0]
        return {e: float(v) for e, v in zip(elements, row, strict=True)}

    return at


def _sample_elements(cfg: CampaignConfig) -> tuple[str, ...]:
    sample = getattr(cfg.instrument, "sample", None)
    return sample_elements(sample) if isinstance(sample, str) else ()


def initial_location_ids(cfg: CampaignConfig, library: CandidateSet) -> list[int]:
    """Resolve `initial_points` (ids or stage positions) to location ids; ConfigError if bad."""
    pos = library.positions_mm
    if len(pos) > 1:
        from scipy.spatial import cKDTree  # noqa: PLC0415

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
    if isinstance(cfg.instrument, SimInstrumentConfig) or _sample_elements(cfg):
        composition_function(cfg)
    if isinstance(cfg.instrument, ReplayInstrumentConfig):
        cfg.instrument.check_library(library)
        cfg.instrument.check_sources(
            {f"objectives[{k}]": o.source for k, o in enumerate(cfg.objectives)}
            | {f"outcomes[{k}]": o.source for k, o in enumerate(cfg.outcomes)}
        )
    check_within_controller_limits(cfg, library)
    foresee(cfg.instrument, library)
    for quantity in (*cfg.objectives, *cfg.outcomes):
        if quantity.function is not None:
            load_function(quantity.function)  # imported and its signature checked now
    if cfg.stop.max_points is not None and cfg.stop.max_points > len(library):
        raise ConfigError(
            f"stop.max_points: {cfg.stop.max_points} exceeds the {len(library)} library locations"
        )
    return library


def check_within_controller_limits(cfg: CampaignConfig, library: CandidateSet) -> None:
    """Every library location must lie inside the axis limits programmed into the controller."""
    limits = getattr(cfg.instrument, "controller_limits_mm", None)
    if limits is None:
        return
    (x0, x1), (y0, y1) = limits
    pos = library.positions_mm
    bad = ~((pos[:, 0] >= x0) & (pos[:, 0] <= x1) & (pos[:, 1] >= y0) & (pos[:, 1] <= y1))
    if bad.any():
        x, y = pos[int(np.argmax(bad))]
        raise ConfigError(
            f"instrument.safety.soft_limits: library location ({x:.3f}, {y:.3f}) mm lies outside "
            f"the controller limits x {list(limits[0])}, y {list(limits[1])} mm; widen the soft "
            "limits (within the stage travel) or move the library"
        )


def build_campaign(cfg: CampaignConfig, library: CandidateSet) -> Campaign:
    seeds = Seeds.derive(cfg.seed)
    objectives = build_objectives(cfg)
    constraints = build_constraints(cfg)
    strategy = cfg.strategy.build(
        StrategyBuild(
            tuple(o.name for o in objectives),
            tuple(o.direction for o in objectives),
            constraints,
            explicit_ref_point(cfg),
        )
    )
    return Campaign(
        library,
        objectives,
        strategy,
        rng_factory(cfg.seed),
        strategy_seed=seeds.strategy,
        budget=cfg.stop.max_points,
        outcomes=build_outcomes(cfg),
        constraints=constraints,
    )


def safety_fence(cfg: CampaignConfig) -> SoftFence:
    """The software fence of the safety policy: the library outline (or its grid extent) minus
    the edge margin, minus keep-outs; the same geometry that chose the candidates."""
    lib = cfg.library
    if isinstance(lib, DatasetLibrary):  # a recorded library: the extent of its locations
        pos = build_library(cfg).positions_mm
        box = Rect((pos[:, 0].min(), pos[:, 0].max()), (pos[:, 1].min(), pos[:, 1].max()))
        return SoftFence(box, 0.0, ())
    outline = lib.outline.build() if lib.outline else Rect(lib.x_mm, lib.y_mm)
    return SoftFence(outline, lib.edge_margin_mm, tuple(r.build() for r in lib.keep_out))


def build_instrument(
    cfg: CampaignConfig,
    *,
    prior_measurements: int = 0,
    start_time_s: float = 0.0,
    start_xy_mm: tuple[float, float] | None = None,
    run_dir: Path | None = None,
    arm_hardware: bool = False,
) -> Instrument:
    """Construct the instrument (only after the config passed validate_deep).

    `run_dir` holds the hardware journal and lock; `arm_hardware` allows real hardware to move
    (without it a lab config runs as a dry run)."""
    seeds = Seeds.derive(cfg.seed)
    inst = cfg.instrument
    needs_map = isinstance(inst, SimInstrumentConfig) or _sample_elements(cfg)
    return inst.build(
        InstrumentBuild(
            seed=seeds.instrument,
            composition_at=composition_function(cfg) if needs_map else None,
            prior_measurements=prior_measurements,
            start_time_s=start_time_s,
            start_xy_mm=start_xy_mm,
            run_dir=run_dir,
            fence=safety_fence(cfg),
            arm_hardware=arm_hardware,
        )
    )


def build_stop(cfg: CampaignConfig, objectives: tuple[Objective, ...]) -> list[StopRule]:
    """Stop rules; `no_improvement` on several objectives watches the hypervolume w.r.t. the
    explicit reference point (with `ref_point: auto` it cannot fire)."""
    ref = explicit_ref_point(cfg)
    internal = None if ref is None else tuple(o.to_internal(ref[o.name]) for o in objectives)
    return build_stop_rules(cfg.stop, objectives, internal)


def resolved_config(cfg: CampaignConfig, versions: dict[str, str]) -> dict[str, Any]:
    """The config as it will run (defaults filled in), plus versions, for config.yaml."""
    data = cfg.model_dump(mode="json", by_alias=True)
    data["_resolved"] = {"versions": versions, "seed": cfg.seed}
    return data
