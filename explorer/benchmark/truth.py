"""The ground truth of a benchmark task: every location's noise-free values.

A simulated instrument exposes them (`expected_metrics`, never used for decisions); a replay
serves recorded values, so measuring every location once through the campaign's own instrument
and objective reduction gives exactly what a run would measure there. A replayed dataset's own
`ground_truth` arrays (a recorded simulator library's `phase_class`, say) are added under their
names, matched by location id; where a name is also an objective, the replayed objective wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from explorer.config import CampaignConfig
from explorer.config.replay import ReplayInstrumentConfig
from explorer.engine.build import build_instrument, build_library, build_objectives
from explorer.errors import ConfigError
from explorer.objectives import evaluate

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class TruthTable:
    """Values (one array per name, library row order) and each location id's row; `arrays`:
    the raw arrays asked for (key -> (n_locations, ...) stack, replays only)."""

    ids: NDArray[np.int64]
    values: dict[str, FloatArray]
    arrays: dict[str, FloatArray] = field(default_factory=dict)

    def rows(self, location_ids: NDArray[np.int64] | list[int]) -> NDArray[np.int64]:
        index = {int(i): k for k, i in enumerate(self.ids)}
        return np.array([index[int(i)] for i in location_ids], dtype=np.int64)


def truth_table(cfg: CampaignConfig, arrays: Sequence[str] = ()) -> TruthTable:
    """Noise-free metrics of every library location (simulator) or its objectives (replay);
    with `arrays`, also those raw arrays of every location, measured through the instrument
    (ConfigError when the instrument does not return one of them)."""
    library = build_library(cfg)
    instrument = build_instrument(cfg)
    kept: dict[str, list[FloatArray]] = {k: [] for k in arrays}
    try:
        expected = getattr(instrument, "expected_metrics", None)
        if expected is not None and not arrays:
            rows = [expected(float(x), float(y)) for x, y in library.positions_mm]
        else:
            objectives = build_objectives(cfg)
            rows = []
            for i, (x, y) in zip(library.ids, library.positions_mm, strict=True):
                m = instrument.measure_at(int(i), float(x), float(y), timeout_s=600.0)
                rows.append(evaluate(objectives, m))
                for k in arrays:
                    if k not in m.arrays:
                        raise ConfigError(
                            f"score array {k!r}: the instrument returns {sorted(m.arrays)}"
                        )
                    kept[k].append(np.asarray(m.arrays[k], float))
    finally:
        instrument.close()
    names = sorted(set().union(*rows)) if rows else []
    values = {n: np.array([r.get(n, np.nan) for r in rows], float) for n in names}
    ids = np.asarray(library.ids, np.int64)
    for name, arr in dataset_ground_truth(cfg, ids).items():
        values.setdefault(name, arr)
    stacked = {k: np.stack(v) for k, v in kept.items()}
    return TruthTable(ids, values, stacked)


def dataset_ground_truth(cfg: CampaignConfig, ids: NDArray[np.int64]) -> dict[str, FloatArray]:
    """The replayed dataset's ground-truth arrays at `ids` (library row order); empty when the
    instrument is not a replay or the dataset has none. NaN where an id was never recorded."""
    inst = cfg.instrument
    if not isinstance(inst, ReplayInstrumentConfig):
        return {}
    ds = inst.load()
    if not ds.ground_truth:
        return {}
    row = {int(i): k for k, i in enumerate(ds.ids)}
    take = np.array([row.get(int(i), -1) for i in ids], dtype=np.int64)
    out: dict[str, FloatArray] = {}
    for name, arr in ds.ground_truth.items():
        v = np.asarray(arr.values, float)
        out[name] = np.where(take >= 0, v[np.maximum(take, 0)], np.nan)
    return out
