"""Checks that foresee run-time faults of a valid-looking campaign, before anything moves.

Each check replays, against the built library, a rule the instrument would apply later:

* every location lies on the simulated sample's film (an approach off the wafer finds no surface,
  one on a clamp or contact pad crashes the tip);
* the first move of a session, from the stage's home in legs of at most `max_step_mm`
  (hardware.move_plan), passes only through points inside the controller limits;
* no two locations are farther apart than `max_step_mm` (a later move between them would be
  refused mid-run; only the first move from home is split into legs).

Each problem is one line naming the key and the fix; `validate` and `run`/`resume` call `foresee`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from explorer.errors import ConfigError
from explorer.library import CandidateSet
from hardware.assembly.samples import build_sample
from hardware.assembly.specs import SampleSpec
from hardware.move_plan import HOME_XY_MM, outside_limits, plan_legs


def foresee(instrument: Any, library: CandidateSet) -> None:
    """Raise ConfigError listing every foreseen fault of `instrument` on `library`."""
    problems = [
        *surface_problems(instrument, library),
        *first_move_problems(instrument, library),
        *span_problems(instrument, library),
    ]
    if problems:
        raise ConfigError(problems[0], tuple(problems))


def simulated_sample(instrument: Any) -> tuple[str, dict[str, float]] | None:
    """(sample name, overrides) of the simulated sample under the tip, if there is one."""
    pfm = getattr(instrument, "pfm", instrument)  # kind: lab with pfm: {kind: sim}
    if getattr(instrument, "kind", None) == "replay" or getattr(pfm, "kind", None) != "sim":
        return None
    return pfm.sample, dict(pfm.sample_params)


def surface_problems(instrument: Any, library: CandidateSet) -> list[str]:
    """Locations that lie off the simulated film or on one of its keep-outs."""
    sample = simulated_sample(instrument)
    if sample is None:
        return []
    model = build_sample(SampleSpec(sample[0], "none", sample[1]), 0)
    ids, pos = library.ids, library.positions_mm
    where = np.array([model.surface_at(float(x), float(y)) for x, y in pos])
    layout = getattr(model, "layout", None)
    problems = []
    off = np.flatnonzero(where == "off_sample")
    if off.size:
        k = int(off[0])
        film = _region_text(layout.outline) if layout is not None else "its outline"
        problems.append(
            f"library: {off.size} of {len(ids)} locations lie off the simulated {sample[0]} "
            f"sample (its film is the {film}), e.g. location {int(ids[k])} at "
            f"({pos[k, 0]:.2f}, {pos[k, 1]:.2f}) mm, where an approach finds no surface; move "
            "library.x_mm / y_mm onto the film (or library.outline to match it)"
        )
    on_keep_out = np.flatnonzero(where == "keep_out")
    if on_keep_out.size:
        k = int(on_keep_out[0])
        region = _keep_out_at(layout, float(pos[k, 0]), float(pos[k, 1]))
        problems.append(
            f"library: {on_keep_out.size} locations lie on a clamp or contact pad of the "
            f"simulated {sample[0]} sample, e.g. location {int(ids[k])} at ({pos[k, 0]:.2f}, "
            f"{pos[k, 1]:.2f}) mm on the {region}, where the tip would crash; add "
            "that region to library.keep_out"
        )
    return problems


def _region_text(region: Any) -> str:
    if region.kind == "circle":
        cx, cy = region.center_mm
        return f"circle of radius {region.radius_mm:g} mm centred at ({cx:g}, {cy:g}) mm"
    return f"rectangle x {list(region.x_mm)} mm, y {list(region.y_mm)} mm"


def _keep_out_at(layout: Any, x_mm: float, y_mm: float) -> str:
    for region in getattr(layout, "keep_outs", ()):
        if region.contains(x_mm, y_mm):
            return _region_text(region)
    return "sample's keep-out"


def _safety(instrument: Any) -> Any:
    """The safety section that will run (None for instruments without a stage)."""
    if hasattr(instrument, "safety_or_default"):
        return instrument.safety_or_default()
    return getattr(instrument, "safety", None)


def first_move_problems(instrument: Any, library: CandidateSet) -> list[str]:
    """Locations whose first move from home would pass outside the controller limits."""
    safety = _safety(instrument)
    limits = getattr(instrument, "controller_limits_mm", None)
    if safety is None or limits is None:
        return []
    for lid, (x, y) in zip(library.ids, library.positions_mm, strict=True):
        legs = plan_legs(HOME_XY_MM, (float(x), float(y)), safety.max_step_mm)
        bad = [leg for leg in legs[:-1] if outside_limits(leg, limits)]
        if bad:
            return [
                f"instrument.safety.max_step_mm: the first move from home {HOME_XY_MM} mm to "
                f"location {int(lid)} at ({x:.2f}, {y:.2f}) mm, in legs of at most "
                f"{safety.max_step_mm:g} mm, passes ({bad[0][0]:.2f}, {bad[0][1]:.2f}) mm "
                f"outside the controller limits x {list(limits[0])}, y {list(limits[1])} mm; "
                "widen safety.soft_limits towards home or raise max_step_mm"
            ]
    return []


def span_problems(instrument: Any, library: CandidateSet) -> list[str]:
    """Two locations farther apart than max_step_mm (a move between them would be refused)."""
    safety = _safety(instrument)
    if safety is None or getattr(instrument, "controller_limits_mm", None) is None:
        return []
    (i, j), span_mm = farthest_pair(library.positions_mm)
    if span_mm <= safety.max_step_mm:
        return []
    pos, ids = library.positions_mm, library.ids
    need = math.ceil(span_mm * 10.0) / 10.0
    return [
        f"instrument.safety.max_step_mm: {safety.max_step_mm:g} mm is shorter than the "
        f"{span_mm:.2f} mm between locations {int(ids[i])} ({pos[i, 0]:.2f}, {pos[i, 1]:.2f}) "
        f"and {int(ids[j])} ({pos[j, 0]:.2f}, {pos[j, 1]:.2f}) mm, so a move between them "
        f"would be refused mid-run; raise safety.max_step_mm to at least {need:g} or "
        "shrink the library"
    ]


def farthest_pair(pos_mm: np.ndarray) -> tuple[tuple[int, int], float]:
    """Indices and distance of the two farthest points (the diameter), via the convex hull."""
    if len(pos_mm) < 2:
        return (0, 0), 0.0
    from scipy.spatial import ConvexHull, QhullError  # noqa: PLC0415

    try:
        idx = ConvexHull(pos_mm).vertices
    except QhullError:  # collinear or too few points: the extremes along each axis
        idx = np.unique([f(pos_mm[:, a]) for f in (np.argmin, np.argmax) for a in (0, 1)])
    hull = pos_mm[idx]
    d = np.linalg.norm(hull[:, None, :] - hull[None, :, :], axis=-1)
    a, b = np.unravel_index(int(np.argmax(d)), d.shape)
    return (int(idx[a]), int(idx[b])), float(d[a, b])
