"""A candidate set and measurements built from the real PTO SSPFM cube, for the curiosity
strategy's tests (the replay instrument and the `dataset` library kind live on another branch;
this is the same data, served directly)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from explorer.bench.curiosity_trial import GridSpec, load_cube, patch_grid
from explorer.library import CandidateSet
from hardware.protocols import Measurement
from tests.conftest import shared_data

SPECTRUM = "spectra.polarization"  # the full 99-point loop; the paper's property is [49:99]
PIXEL_MM = 0.001
WIDTH = 49


@lru_cache(maxsize=1)
def cube() -> np.ndarray:
    return load_cube(shared_data("pto-sspfm-curiosity") / "norm_polarization.npy")


def cube_library(crop: tuple[int, int, int, int] = (17, 34, 17, 34)) -> CandidateSet:
    """Pixels of a window of the image as locations: id = row * 49 + col, features = the
    flattened 9 x 9 patch around the pixel (81 locations for the default window)."""
    grid = patch_grid(cube(), GridSpec(crop=crop))
    ids = (grid.rows * WIDTH + grid.cols).astype(np.int64)
    pos = np.column_stack([grid.cols, grid.rows]).astype(float) * PIXEL_MM
    feats = grid.patches.reshape(len(ids), -1).astype(float)
    names = tuple(f"p{k}" for k in range(feats.shape[1]))
    return CandidateSet(ids, pos, feats, names)


def loop_at(location_id: int) -> np.ndarray:
    row, col = divmod(int(location_id), WIDTH)
    return np.asarray(cube()[row, col, :], dtype=float)


def cube_arrays(ids: list[int]) -> dict[int, dict[str, np.ndarray]]:
    return {int(i): {SPECTRUM: loop_at(i)} for i in ids}


def cube_measurement(lib: CandidateSet, location_id: int) -> Measurement:
    x, y = lib.position_of(location_id)
    return Measurement(location_id, x, y, arrays={SPECTRUM: loop_at(location_id)})


class CubeInstrument:
    """Serves the cube's loop at the requested pixel (an instrument without a stage)."""

    channels: tuple[str, ...] = ("spectra",)

    def __init__(self, lib: CandidateSet) -> None:
        self.lib = lib

    def measure_at(
        self, location_id: int, x_mm: float, y_mm: float, *, timeout_s: float
    ) -> Measurement:
        m = cube_measurement(self.lib, location_id)
        return Measurement(m.location_id, m.x_mm, m.y_mm, m.arrays, durations_s={"measure": 1.0})

    def abort(self) -> None:
        return None

    def close(self) -> None:
        return None
