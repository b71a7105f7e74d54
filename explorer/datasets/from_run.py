"""A finished (or stopped) run -> LibraryDataset (`explorer dataset from-run RUN_DIR OUT.h5`).

Each measured location becomes one dataset location at its read-back stage position, with the
run's location id; a location measured more than once keeps its last visit (stated). Raw arrays
(`raw/NNNNNN.npz`, keyed "<channel>.<quantity>") become channels: a 1-D array that is the same
in every visit and as long as the trailing dimension of a sibling is that channel's axis
(e.g. `sspfm.bias_v`); arrays whose shape differs between visits are left out (stated). The
instrument's scalars are kept as scalars, and every objective as scalar `objective_<name>`.
Features: the stage position. The result replays with the same campaign (the run's config,
instrument swapped for `kind: replay`), so a microscope session can tune a strategy later.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from explorer.analysis.rundata import RunData
from explorer.datasets.common import FloatArray
from explorer.datasets.tabular import safe_name
from explorer.engine.rundir import RAW_RESERVED, is_run_dir, load_raw
from explorer.errors import DatasetError
from hardware.replay import Axis, Channel, DataArray, LibraryDataset

Provenance = dict[str, str | float | int | bool]


def _last_visits(measured: list[Any]) -> tuple[list[Any], int]:
    last: dict[int, Any] = {}
    for m in measured:
        last[m.location_id] = m
    kept = sorted(last.values(), key=lambda m: m.step)
    return kept, len(measured) - len(kept)


def _split_channel(
    name: str, arrays: dict[str, list[np.ndarray]]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], list[str]]:
    """(data arrays (n, ...), axes (L,), left-out quantities) of one channel."""
    data: dict[str, np.ndarray] = {}
    skipped: list[str] = []
    for q, values in arrays.items():
        if len({v.shape for v in values}) != 1:
            skipped.append(f"{name}.{q} (shape differs between visits)")
            continue
        data[q] = np.stack(values).astype(float)
    trailing = {a.shape[-1] for a in data.values() if a.ndim >= 2}
    axes = {}
    for q, stacked in list(data.items()):
        same = stacked.ndim == 2 and np.array_equal(
            stacked, np.broadcast_to(stacked[0], stacked.shape), equal_nan=True
        )
        if same and stacked.shape[1] in trailing and len(data) > 1:
            axes[q] = stacked[0]
            del data[q]
    return data, axes, skipped


def _channels(run: Any, visits: list[Any], prov: Provenance) -> dict[str, Channel]:
    grouped: dict[str, dict[str, list[np.ndarray]]] = defaultdict(lambda: defaultdict(list))
    for m in visits:
        for key, value in run_raw(run, m).items():
            channel, sep, quantity = key.partition(".")
            if sep:
                grouped[channel][quantity].append(np.asarray(value, float))
    out: dict[str, Channel] = {}
    skipped: list[str] = []
    for cname, arrays in grouped.items():
        complete = {q: v for q, v in arrays.items() if len(v) == len(visits)}
        skipped += [f"{cname}.{q} (missing in some visits)" for q in arrays if q not in complete]
        data, axes, left = _split_channel(cname, complete)
        skipped += left
        out[safe_name(cname)] = _channel(data, axes)
    if skipped:
        prov["left_out"] = "; ".join(skipped)
    return {k: v for k, v in out.items() if v.data}


def _channel(data: dict[str, np.ndarray], axes: dict[str, np.ndarray]) -> Channel:
    by_length = {len(v): k for k, v in axes.items()}
    arrays = {}
    for q, values in data.items():
        names = tuple(by_length.get(values.shape[d], "") for d in range(1, values.ndim))
        if all(names):
            arrays[safe_name(q)] = DataArray(values, "a.u.", names, "as measured")
        elif values.ndim == 1:
            arrays[safe_name(q)] = DataArray(values, "a.u.", (), "as measured")
    return Channel(arrays, {k: Axis(v, units_of(k)) for k, v in axes.items()}, kind="spectrum")


UNIT_SUFFIXES = {"_v": "V", "_hz": "Hz", "_mm": "mm", "_um": "µm", "_s": "s", "_deg": "deg"}


def units_of(name: str) -> str:
    """Units read off a name's suffix (`bias_v` -> V), else '1' (raw files store no units)."""
    return next((u for suf, u in UNIT_SUFFIXES.items() if name.lower().endswith(suf)), "1")


def run_raw(run: Any, m: Any) -> dict[str, np.ndarray]:
    return {k: v for k, v in load_raw(run.run_dir, m.raw).items() if k not in RAW_RESERVED}


def _scalars(visits: list[Any]) -> dict[str, DataArray]:
    def column(get: Any) -> FloatArray:
        return np.array([np.nan if get(m) is None else float(get(m)) for m in visits])

    names = sorted({k for m in visits for k in m.scalars})
    out = {safe_name(k): DataArray(column(lambda m, k=k: m.scalars.get(k)), "a.u.") for k in names}
    for obj in sorted({k for m in visits for k in m.objectives}):
        values = column(lambda m, k=obj: m.objectives.get(k))
        out[safe_name(f"objective_{obj}")] = DataArray(values, "a.u.", description="objective")
    return out


def from_run(run_dir: Path, *, license: str = "", name: str = "") -> LibraryDataset:
    """The measured locations of a run as a replayable LibraryDataset (module docstring)."""
    if not is_run_dir(run_dir):
        raise DatasetError(f"{run_dir}: not a run directory (no events.jsonl)")
    run = RunData.load(run_dir)
    if not run.measured:
        raise DatasetError(f"{run_dir}: the run has no measurements yet")
    visits, repeats = _last_visits(run.measured)
    prov: Provenance = {
        "converter": "from_run",
        "run": run.name,
        "measurements": len(run.measured),
        "locations": len(visits),
    }
    if repeats:
        prov["repeat_visits"] = f"{repeats} repeat visit(s): the last one of each location kept"
    pos = np.array([[m.x_mm, m.y_mm] for m in visits], dtype=float)
    return LibraryDataset(
        name=name or safe_name(run.name),
        source=f"run {run_dir.resolve().name} of campaign {run.name}",
        license=license or "unknown (own measurements; set --license)",
        description=f"the {len(visits)} locations measured by run {run_dir.resolve().name}",
        positions_mm=pos,
        features=pos.copy(),
        feature_names=("x_mm", "y_mm"),
        location_ids=np.array([m.location_id for m in visits], dtype=np.int64),
        channels=_channels(run, visits, prov),
        scalars=_scalars(visits),
        provenance=prov,
    )
