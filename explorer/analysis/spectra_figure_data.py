"""Which measured curves a run shows (best, front, most novel, highest contrast) and those curves
with their loop fits, as plain data for the spectra figure (no matplotlib)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.metrics import best_values
from explorer.analysis.run_views import suggestion_of_each_measurement, with_unit
from explorer.analysis.rundata import RunData
from explorer.errors import RunDirError
from explorer.objectives import last_cycle
from hardware.pfm.loops import branch_directions, fit_loop, loop_model

if TYPE_CHECKING:
    pass

FloatArray = NDArray[np.float64]


AXIS_SUFFIXES = {"_v": "V", "_hz": "Hz", "_khz": "kHz", "_deg": "°", "_nm": "nm", "_s": "s"}


META_KEYS = {"location_id", "xy_mm"}


@dataclass(frozen=True)
class CurveData:
    """One location's raw curve and (for loops) its fit.

    Attributes:
        index, location_id, xy_mm: which measurement (`number` = index + 1, the measurement
            number shown).
        reasons: why it was chosen ('best loop_height', 'front', 'most novel').
        channel, kind: array channel and 'loop' or 'spectrum'.
        x, y: raw data (x: bias in V or the spectrum axis); x_label, y_label with units.
        fit_x, fit_forward, fit_reverse: fitted loop branches over the bias range (loops only).
        fit: fitted numbers (vc_plus_v, vc_minus_v, height, r2) for the annotation.
    """

    index: int
    location_id: int
    xy_mm: tuple[float, float]
    reasons: tuple[str, ...]
    channel: str
    kind: str
    x: FloatArray
    y: FloatArray
    x_label: str
    y_label: str
    fit_x: FloatArray | None = None
    fit_forward: FloatArray | None = None
    fit_reverse: FloatArray | None = None
    fit: dict[str, float] = field(default_factory=dict)

    @property
    def number(self) -> int:
        return self.index + 1


def _novelty(run: RunData) -> FloatArray | None:
    sugg = suggestion_of_each_measurement(run)
    scores = []
    for m, s in zip(run.measured, sugg, strict=True):
        v = m.scalars.get("novelty")
        if v is None and s is not None:
            v = s.info.get("novelty")
        scores.append(np.nan if not isinstance(v, int | float) else float(v))
    arr = np.array(scores, dtype=float)
    return arr if np.isfinite(arr).any() else None


def choose_locations(run: RunData, max_front: int = 3) -> dict[int, list[str]]:
    """Measurement index -> reasons, in a stable order (best first, then front, then novel)."""
    chosen: dict[int, list[str]] = {}
    index_of = {int(lid): i for i, lid in enumerate(run.location_ids)}
    for name, (_, lid) in best_values(run).items():
        if lid is not None:
            chosen.setdefault(index_of[lid], []).append(f"best {name.replace('_', ' ')}")
    if len(run.objective_names) > 1 and run.fronts:
        ids = [i for i in run.fronts[-1].front_ids if i in index_of]
        members = {index_of[i] for i in ids}
        for i, reasons in chosen.items():  # best values are front members too
            if i in members:
                reasons.append("Pareto front")
        if ids:
            pick = np.unique(np.round(np.linspace(0, len(ids) - 1, min(max_front, len(ids)))))
            for k in pick.astype(int):
                chosen.setdefault(index_of[ids[k]], ["Pareto front"])
    if len(run.objective_names) == 1:  # for contrast: the worst and a typical measurement
        _add_contrast(run, chosen)
    nov = _novelty(run)
    if nov is not None:
        chosen.setdefault(int(np.nanargmax(nov)), []).append("most novel")
    return chosen


def _add_contrast(run: RunData, chosen: dict[int, list[str]]) -> None:
    name = run.objective_names[0]
    v = run.values(name)
    ok = np.flatnonzero(np.isfinite(v))
    if len(ok) < 3:
        return
    sign = 1.0 if run.directions[name] == "maximize" else -1.0
    order = ok[np.argsort(sign * v[ok], kind="stable")]
    label = name.replace("_", " ")
    chosen.setdefault(int(order[len(order) // 2]), []).append(f"median {label}")
    chosen.setdefault(int(order[0]), []).append(f"worst {label}")


def _loop_field(run: RunData, channel: str) -> str:
    for o in run.config.get("objectives", []):
        if o.get("from") == channel and o.get("field"):
            return str(o["field"])
    return "off"


def _loop_curve(
    arrays: dict[str, np.ndarray], ch: str, fld: str, units: Mapping[str, str]
) -> dict[str, object]:
    key = "pr_off" if fld == "off" else "pr_on"
    bias = np.asarray(arrays[f"{ch}.bias_v"], float)
    pr = np.asarray(arrays[f"{ch}.{key}"], float)
    sl = last_cycle(bias)
    b, p = bias[sl], pr[sl]
    out: dict[str, object] = {"x": b, "y": p, "x_label": "tip bias (V)"}
    unit = units.get(f"{ch}.pr_{fld}", "a.u.")
    out["y_label"] = with_unit(f"{'remanent' if fld == 'off' else 'in-field'} response", unit)
    try:
        params, r2 = fit_loop(b, p, branch_directions(b))
    except ValueError:
        return out
    grid = np.linspace(float(b.min()), float(b.max()), 200)
    out["fit_x"] = grid
    out["fit_forward"] = loop_model(params, grid, np.ones_like(grid, dtype=bool))
    out["fit_reverse"] = loop_model(params, grid, np.zeros_like(grid, dtype=bool))
    vc = params.coercive_bias_v
    out["fit"] = {
        "vc_plus_v": params.vc_plus_v,
        "vc_minus_v": params.vc_minus_v,
        "height": 2.0 * params.r * float(np.tanh(vc / params.width_v)),
        "r2": r2,
    }
    return out


def _objective_quantity(run: RunData, channel: str) -> str | None:
    """The quantity of `channel` an objective was computed from (`quantity:`), if any."""
    for o in run.config.get("objectives", []):
        if o.get("from") == channel and o.get("quantity"):
            return str(o["quantity"])
    return None


def _is_axis(name: str) -> bool:
    return name.endswith("_index") or any(name.endswith(s) for s in AXIS_SUFFIXES)


def _spectrum_curve(
    arrays: dict[str, np.ndarray],
    ch: str,
    preferred: str | None = None,
    units: Mapping[str, str] | None = None,
) -> dict[str, object] | None:
    """The channel's spectrum: the objective's quantity (else the first 1-D non-axis array)
    against the axis array of the same length (a unit-suffixed or `_index` name; else its index).
    `units`: the units the run logged for its arrays (a dataset's), else 'a.u.'."""
    units = units or {}
    quantities = {
        k[len(ch) + 1 :]: np.asarray(v)
        for k, v in arrays.items()
        if k.startswith(ch + ".") and np.asarray(v).ndim == 1
    }
    data = [q for q in quantities if not _is_axis(q)]
    if preferred in data:
        data.remove(preferred)
        data.insert(0, preferred)
    if not data:
        return None
    y = np.asarray(quantities[data[0]], float)
    axes = [q for q in quantities if _is_axis(q) and len(quantities[q]) == len(y)]
    axis = next((q for q in axes if not q.endswith("_index")), axes[0] if axes else None)
    if axis is None or axis.endswith("_index"):
        x = np.asarray(quantities[axis], float) if axis else np.arange(len(y), dtype=float)
        x_label = axis.replace("_", " ") if axis else "index"
    else:
        unit = next(u for s, u in AXIS_SUFFIXES.items() if axis.endswith(s))
        stem = axis[: axis.rfind("_")].replace("_", " ").replace("two theta", "2θ")
        unit = units.get(f"{ch}.{axis}", unit)
        x, x_label = np.asarray(quantities[axis], float), with_unit(stem, unit)
    return {
        "x": x,
        "y": y,
        "x_label": x_label,
        "y_label": with_unit(f"{ch} {data[0]}", units.get(f"{ch}.{data[0]}", "a.u.")),
    }


def _curve_for(run: RunData, index: int, reasons: list[str]) -> CurveData | None:
    try:
        arrays = run.raw(index)
    except (RunDirError, IndexError):
        return None
    m = run.measured[index]
    channels = sorted({k.split(".", 1)[0] for k in arrays if "." in k and k not in META_KEYS})
    for ch in channels:
        if f"{ch}.bias_v" in arrays and (f"{ch}.pr_off" in arrays or f"{ch}.pr_on" in arrays):
            fld = _loop_field(run, ch)
            if f"{ch}.pr_{fld}" not in arrays:
                fld = "on" if fld == "off" else "off"
            parts, kind = _loop_curve(arrays, ch, fld, run.started.units), "loop"
        else:
            spec = _spectrum_curve(arrays, ch, _objective_quantity(run, ch), run.started.units)
            if spec is None:
                continue
            parts, kind = spec, "spectrum"
        return CurveData(
            index,
            m.location_id,
            (m.x_mm, m.y_mm),
            tuple(reasons),
            ch,
            kind,
            **parts,  # type: ignore[arg-type]
        )
    return None


@dataclass(frozen=True)
class SpectraData:
    curves: tuple[CurveData, ...]


def spectra_data(run: RunData, max_curves: int = 6) -> SpectraData:
    """Raw curves of the chosen locations (those whose raw file has a plottable channel)."""
    curves = []
    for index, reasons in choose_locations(run).items():
        c = _curve_for(run, index, reasons)
        if c is not None:
            curves.append(c)
        if len(curves) == max_curves:
            break
    return SpectraData(tuple(curves))
