"""A small synthetic library dataset with every optional part (image, channels, scalars with a
recorded std, ground truth), for format and instrument tests."""

from __future__ import annotations

import numpy as np

from hardware.pfm.loops import LoopParams, branch_directions, loop_model, triangle_waveform
from hardware.replay import Axis, Channel, DataArray, DatasetImage, LibraryDataset


def toy_dataset(nx: int = 6, ny: int = 4, pitch_mm: float = 0.5) -> LibraryDataset:
    """nx × ny grid, id = iy·nx + ix; loop amplitude grows with x; image = amplitude map."""
    rows, cols = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    pos = np.column_stack([cols.ravel() * pitch_mm, rows.ravel() * pitch_mm]).astype(float)
    bias = triangle_waveform(8.0, 32, 1)
    rising = branch_directions(bias)
    amp = 1.0 + cols.ravel() + 0.1 * rows.ravel()
    loops = np.stack([loop_model(LoopParams(0.0, a, 2.0, -2.0, 0.5), bias, rising) for a in amp])
    return LibraryDataset(
        name="toy",
        source="synthetic (tests)",
        license="MIT",
        description="toy library",
        positions_mm=pos,
        features=np.column_stack([cols.ravel() / nx]),
        feature_names=("Sm",),
        location_ids=np.arange(nx * ny) + 100,
        channels={
            "sspfm": Channel(
                {"pr_off": DataArray(loops, "a.u.", ("bias_v",), "off-field loop")},
                {"bias_v": Axis(bias, "V")},
                kind="loop",
            )
        },
        scalars={
            "height": DataArray(2 * amp, "a.u.", std="height_std"),
            "height_std": DataArray(np.full(nx * ny, 0.5), "a.u."),
        },
        ground_truth={"loop_area": DataArray(8 * amp, "a.u.·V")},
        image=DatasetImage(
            amp.reshape(ny, nx),
            np.array([[pitch_mm, 0.0, 0.0], [0.0, pitch_mm, 0.0]]),
            ("amplitude",),
            ("a.u.",),
        ),
        timing={"measure_s": 3.0, "approach_jitter": 0.0},
        provenance={"converter": "toy", "n": nx * ny},
    )
