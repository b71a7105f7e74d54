"""Digitized SmBFO loop-height profile as CSV (smbfo-loop-height-digitized).

Source: `position_norm,loop_height_mean_au,loop_height_std_au`, 20 sites along a Sm-doped
BiFeO3 composition spread (values read off a published figure, ±0.3 a.u.).

Library dataset: the sites on a line along x, at position_norm·`length_mm` (default 8 mm, the
example campaigns' spread) and y = 0, with feature `Sm` = `sm_max`·position_norm (default 0.2,
reference §4.4). Scalars `loop_height` (the mean of repeats, declaring `loop_height_std` as its
per-site scatter so replay noise `recorded_std` draws N(mean, std) as paper 3's nBO does) and
`loop_height_std`; ground truth `loop_height` = the mean. With `points` > 0 the profile is
resampled to that many equally spaced sites by not-a-knot cubic splines of mean and std (the
paper's `interp1d(kind='cubic')` on 101 points; stds clipped at 0). No spectra were published.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.datasets.common import (
    FloatArray,
    KnownFile,
    OptionValue,
    parse_options,
    provenance_for,
)
from explorer.errors import DatasetError
from hardware.replay import DataArray, LibraryDataset

FORMAT = "csv_loop_height_profile"
HEADER = ("position_norm", "loop_height_mean_au", "loop_height_std_au")
KNOWN = (
    KnownFile(
        sha256="7a5a4fee537ac350411634b11cc45c943e746d968943b40a14c859087bdc2f6b",
        name="smbfo-loop-height-digitized",
        source="digitized from cell 11 of RichardLiuCoding/Publications @ a3bcff5d "
        "BO_simulation_for_automated_exploration_of_combi_library.ipynb (approximate)",
        license="none stated (values read off a figure): internal test fixture only",
        citation="Liu et al., arXiv:2412.18067",
    ),
)


@dataclass(frozen=True)
class Options:
    length_mm: float = 8.0
    sm_max: float = 0.2
    points: int = 0
    license: str = ""


def detect(path: Path) -> bool:
    if path.suffix.lower() != ".csv":
        return False
    try:
        with open(path, newline="") as fh:
            return tuple(next(csv.reader(fh), ())) == HEADER
    except (OSError, UnicodeDecodeError):
        return False


def _read(path: Path) -> FloatArray:
    try:
        with open(path, newline="") as fh:
            rows = list(csv.reader(fh))
        table = np.array([[float(v) for v in r] for r in rows[1:] if r], dtype=float)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: not a readable loop-height CSV ({exc})") from None
    if table.ndim != 2 or table.shape[1] != 3 or len(table) < 4:
        raise DatasetError(f"{path}: expected >= 4 rows of {HEADER}")
    return table


def _resample(table: FloatArray, points: int) -> FloatArray:
    from scipy.interpolate import CubicSpline  # noqa: PLC0415

    grid = np.linspace(table[0, 0], table[-1, 0], points)
    mean = CubicSpline(table[:, 0], table[:, 1])(grid)
    std = np.clip(CubicSpline(table[:, 0], table[:, 2])(grid), 0.0, None)
    return np.column_stack([grid, mean, std])


def convert(path: Path, options: dict[str, OptionValue]) -> LibraryDataset:
    opts = parse_options(Options, options, FORMAT)
    if opts.length_mm <= 0 or opts.points < 0 or opts.points == 1:
        raise DatasetError("options: length_mm must be > 0 and points 0 (as recorded) or >= 2")
    raw = _read(path)
    table = _resample(raw, opts.points) if opts.points else raw
    pos = np.column_stack([table[:, 0] * opts.length_mm, np.zeros(len(table))])
    name, source, lic, citation, digest = provenance_for(path, KNOWN, opts.license)
    return LibraryDataset(
        name=name,
        source=source,
        license=lic,
        citation=citation,
        description="SmBFO loop height (mean ± std of repeats) along the composition spread",
        positions_mm=pos,
        features=(opts.sm_max * table[:, 0])[:, None],
        feature_names=("Sm",),
        scalars={
            "loop_height": DataArray(
                table[:, 1], "a.u.", description="mean loop height", std="loop_height_std"
            ),
            "loop_height_std": DataArray(table[:, 2], "a.u.", description="std of repeats"),
        },
        ground_truth={"loop_height": DataArray(table[:, 1], "a.u.", description="mean")},
        provenance={
            "converter": FORMAT,
            "source_sha256": digest,
            "length_mm": opts.length_mm,
            "sm_max": opts.sm_max,
            "resampled_points": opts.points,
        },
    )
