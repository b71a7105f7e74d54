"""ReplayInstrument: the Instrument protocol served from a recorded library dataset.

`measure_at(location_id, x_mm, y_mm)` looks the stage position up among the recorded locations
(by position, so a campaign library and a dataset only need to agree on geometry): a location
within `match_tolerance_mm` (default a quarter of the dataset's spacing) is a hit; anything else
is a miss, which raises `ReplayMissError` unless `miss="nearest"`, in which case the nearest
recorded location is served and the measurement's meta says so.

It returns every channel's arrays ("<channel>.<quantity>" plus the channel axes, e.g.
"beps.bias_v") and every scalar, optionally with fresh Gaussian noise drawn from a generator
derived from (seed, location_id), so a resumed run sees the same values. Durations follow
`ReplayTiming` and advance a SimClock: a replayed campaign reports realistic instrument hours
while running instantly.

The software fence of the safety policy (`hardware.safety.SoftFence`, derived from the campaign's
library by `explorer.engine.build.safety_fence`) is enforced exactly as the hardware facade does: a
position outside it raises `SafetyError` before anything is served, so a campaign that replays
cleanly would not be refused on the instrument for its geometry.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.spatial import cKDTree

from hardware.clock import SimClock
from hardware.errors import (
    AbortedError,
    DatasetError,
    HardwareTimeoutError,
    ReplayMissError,
    SafetyError,
)
from hardware.protocols import FloatArray, Measurement
from hardware.replay.dataset import DataArray, LibraryDataset
from hardware.safety import SoftFence

MissPolicy = Literal["error", "nearest"]


@dataclass(frozen=True)
class ReplayTiming:
    """Virtual durations (s) charged per replayed location (reference §1.5).

    Defaults describe a stage move between library locations on a combinatorial wafer (retract,
    stage enable/disable, travel, approach, tune, settle, one switching-spectroscopy loop set);
    datasets recorded on a piezo scan grid carry their own, much shorter, values.
    """

    move_fixed_s: float = 11.0  # retract 2 + stage enable 8 + disable 1
    stage_speed_mm_per_s: float = 0.1
    approach_s: float = 20.0
    approach_jitter: float = 0.25  # log-normal sigma of the approach time
    tune_s: float = 6.5
    settle_s: float = 30.0
    measure_s: float = 10.0
    overhead_s: float = 36.0  # mode switches

    @classmethod
    def from_mapping(cls, values: Mapping[str, float]) -> ReplayTiming:
        known = {f.name for f in dataclasses.fields(cls)}
        bad = sorted(set(values) - known)
        if bad:
            raise DatasetError(f"unknown timing field(s) {bad}; known: {sorted(known)}")
        return cls(**{k: float(v) for k, v in values.items()})

    def durations(self, distance_mm: float, rng: np.random.Generator) -> dict[str, float]:
        jitter = float(rng.lognormal(0.0, self.approach_jitter)) if self.approach_jitter else 1.0
        return {
            "move": self.move_fixed_s + distance_mm / self.stage_speed_mm_per_s,
            "approach": self.approach_s * jitter,
            "tune": self.tune_s,
            "settle": self.settle_s,
            "measure": self.measure_s,
            "overhead": self.overhead_s,
        }


def robust_spread(values: FloatArray) -> float:
    """1.4826·MAD of all finite values (the std of a Gaussian), else their std (0 if none)."""
    flat = np.asarray(values, float).ravel()
    flat = flat[np.isfinite(flat)]
    if not len(flat):
        return 0.0
    mad = 1.4826 * float(np.median(np.abs(flat - np.median(flat))))
    return mad if mad > 0 else float(np.std(flat))


class ReplayInstrument:
    """Serves a `LibraryDataset` through the Instrument protocol (see module docstring).

    Args:
        dataset: the recorded library.
        seed: instrument seed (fresh noise and approach jitter per location descend from it).
        miss: "error" (default) or "nearest" for positions that were never recorded.
        noise_relative: fresh Gaussian noise, σ = noise_relative × robust spread of each
            quantity over the whole dataset (0 = serve the recorded values exactly).
        recorded_std: also add N(0, std) where an array names a per-location std array.
        noise_scalars: apply the fresh noise to scalars as well as channel arrays.
        clock, timing, start_xy_mm: virtual time, durations and the stage's start position.
        match_tolerance_mm: hit radius (default: a quarter of the dataset's median spacing).
        fence: the safety policy's software fence (default: no fence).
    """

    def __init__(
        self,
        dataset: LibraryDataset,
        *,
        seed: int,
        miss: MissPolicy = "error",
        noise_relative: float = 0.0,
        recorded_std: bool = False,
        noise_scalars: bool = True,
        clock: SimClock | None = None,
        timing: ReplayTiming | None = None,
        start_xy_mm: tuple[float, float] = (0.0, 0.0),
        match_tolerance_mm: float | None = None,
        fence: SoftFence | None = None,
    ) -> None:
        if miss not in ("error", "nearest"):
            raise DatasetError(f"miss policy {miss!r} is not 'error' or 'nearest'")
        if not (noise_relative >= 0 and math.isfinite(noise_relative)):
            raise DatasetError(f"noise_relative must be a finite number >= 0, got {noise_relative}")
        self.dataset = dataset
        self.seed = int(seed)
        self.miss: MissPolicy = miss
        self.noise_relative = float(noise_relative)
        self.recorded_std = recorded_std
        self.noise_scalars = noise_scalars
        self.clock = clock or SimClock()
        self.timing = timing or ReplayTiming.from_mapping(dataset.timing)
        self.position_mm = start_xy_mm
        self.fence = fence or SoftFence()
        self.channels: tuple[str, ...] = tuple(dataset.channels)
        self.tolerance_mm = (
            match_tolerance_mm if match_tolerance_mm is not None else 0.25 * dataset.spacing_mm()
        )
        self._tree = cKDTree(dataset.positions_mm)
        self._aborted = threading.Event()
        self._sigma = self._noise_scales() if self.noise_relative > 0 else {}

    def _noise_scales(self) -> dict[str, float]:
        ds = self.dataset
        out = {
            f"{c}.{q}": self.noise_relative * robust_spread(arr.values)
            for c, ch in ds.channels.items()
            for q, arr in ch.data.items()
        }
        if self.noise_scalars:
            for name, arr in ds.scalars.items():
                out[name] = self.noise_relative * robust_spread(arr.values)
        return out

    def _rng(self, location_id: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(13, location_id)))

    def locate(self, location_id: int, x_mm: float, y_mm: float) -> tuple[int, float]:
        """(dataset row, distance in mm) served for a stage position; ReplayMissError on a miss
        under the `error` policy."""
        dist, row = self._tree.query([x_mm, y_mm])
        dist, row = float(dist), int(row)
        if dist > self.tolerance_mm and self.miss == "error":
            rec = int(self.dataset.ids[row])
            raise ReplayMissError(
                f"location {location_id} at ({x_mm:.6g}, {y_mm:.6g}) mm was never recorded in "
                f"dataset {self.dataset.name!r} (nearest recorded location {rec} is {dist:.3g} mm "
                f"away, tolerance {self.tolerance_mm:.3g} mm); use a `library: {{kind: dataset}}` "
                "library or set `instrument.miss: nearest`"
            )
        return row, dist

    def _noisy(
        self,
        key: str,
        arr: DataArray,
        sibling: Mapping[str, DataArray],
        row: int,
        rng: np.random.Generator,
    ) -> FloatArray:
        value = np.array(arr.values[row], dtype=float)
        sigma = self._sigma.get(key, 0.0)
        if sigma > 0:
            value = value + rng.normal(0.0, sigma, value.shape)
        if self.recorded_std and arr.std is not None:
            std = np.nan_to_num(sibling[arr.std].values[row])  # unknown scatter: no extra noise
            value = value + rng.normal(0.0, 1.0, value.shape) * std
        return np.asarray(value)

    @property
    def units(self) -> dict[str, str]:
        """The dataset's unit of every array and scalar served, keyed as in the measurement
        ("<channel>.<quantity>", "<channel>.<axis>", scalar name); "1" (dimensionless) is ''."""
        out: dict[str, str] = {}
        for cname, ch in self.dataset.channels.items():
            for aname, ax in ch.axes.items():
                out[f"{cname}.{aname}"] = ax.units
            for qname, arr in ch.data.items():
                out[f"{cname}.{qname}"] = arr.units
        for name, arr in self.dataset.scalars.items():
            out[name] = arr.units
        return {k: ("" if u.strip() == "1" else u.strip()) for k, u in out.items()}

    def _read(
        self, row: int, rng: np.random.Generator
    ) -> tuple[dict[str, FloatArray], dict[str, float]]:
        arrays: dict[str, FloatArray] = {}
        for cname, ch in self.dataset.channels.items():
            for aname, ax in ch.axes.items():
                arrays[f"{cname}.{aname}"] = np.array(ax.values)
            for qname, arr in ch.data.items():
                arrays[f"{cname}.{qname}"] = self._noisy(f"{cname}.{qname}", arr, ch.data, row, rng)
        scalars = {
            name: float(self._noisy(name, arr, self.dataset.scalars, row, rng))
            for name, arr in self.dataset.scalars.items()
        }
        return arrays, scalars

    def measure_at(
        self, location_id: int, x_mm: float, y_mm: float, *, timeout_s: float
    ) -> Measurement:
        if self._aborted.is_set():
            raise AbortedError("instrument was aborted; resume the run to continue")
        refusal = self.fence.violation(x_mm, y_mm)
        if refusal is not None:
            raise SafetyError(
                f"soft_fence: location {location_id} at ({x_mm:.6g}, {y_mm:.6g}) mm is {refusal}; "
                "the replay refuses it as the instrument would"
            )
        row, dist = self.locate(location_id, x_mm, y_mm)
        rng = self._rng(location_id)
        t0 = self.clock.now_s()
        durations = self.timing.durations(math.dist(self.position_mm, (x_mm, y_mm)), rng)
        if sum(durations.values()) > timeout_s:
            self.clock.sleep(timeout_s)
            raise HardwareTimeoutError(
                f"replayed measurement at location {location_id} needs "
                f"{sum(durations.values()):.0f} s of instrument time, more than the "
                f"{timeout_s:g} s timeout; raise instrument.measure_timeout_s"
            )
        arrays, scalars = self._read(row, rng)
        for seconds in durations.values():
            self.clock.sleep(seconds)
        self.position_mm = (x_mm, y_mm)
        return Measurement(
            location_id=location_id,
            x_mm=x_mm,
            y_mm=y_mm,
            arrays=arrays,
            scalars=scalars,
            durations_s=durations,
            t_start_s=t0,
            t_end_s=self.clock.now_s(),
            meta={
                "replayed": True,
                "dataset": self.dataset.name,
                "recorded_location_id": int(self.dataset.ids[row]),
                "offset_mm": dist,
                "nearest_miss": dist > self.tolerance_mm,
            },
        )

    def abort(self) -> None:
        self._aborted.set()

    def close(self) -> None:
        return None
