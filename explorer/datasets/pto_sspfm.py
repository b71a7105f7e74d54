"""SS-PFM polarisation cube as a .npy array (pto-sspfm-curiosity: `norm_polarization.npy`).

Source: float (H, W, L) min-max-normalised off-field polarisation loops P = A·cos φ, one per
pixel (49×49×99 for the shared file); the bias vector was not stored.

Library dataset, following the curiosity paper (reference §2.1): the structure image is one
bias slice, `P[:, :, image_index]` (default 25); the spectrum served per location is the rest of
the loop used by the paper, `P[:, :, spectrum_start:]` (default 49: the last 50 points), as
channel `sspfm` quantity `polarization` over axis `point_index` (the bias values are unknown);
the full loop is kept as `polarization_full` (axis `full_index`). One location per pixel,
id = row·W + col, at (col, row)·`pixel_mm` (default 1 µm: the scan size was not stored, so the
stage scale is nominal). Features: the pixel position.

These settings fit only the paper's (49, 49, 99) cube: any other shape is refused with a pointer
to the generic `--format cube` importer, which takes the axis, points and image as options.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.datasets.arrays import normalisation_found
from explorer.datasets.common import (
    SCAN_GRID_TIMING,
    KnownFile,
    OptionValue,
    parse_options,
    pixel_grid,
    provenance_for,
)
from explorer.errors import DatasetError
from hardware.replay import Axis, Channel, DataArray, DatasetImage, LibraryDataset

FORMAT = "npy_sspfm_cube"
PAPER_SHAPE = (49, 49, 99)
KNOWN = (
    KnownFile(
        sha256="7216bbb14e42353613ff80be86865afbfca28103ae16b6943e805d1c44f1b422",
        name="pto-sspfm-curiosity",
        source="ramav87/Curiosity-Driven-RL-for-PFM @ 1f6ebe1c5e26b835441e1f3673f2a774670d34eb, "
        "Data Files/norm_polarization.npy (SS-PFM of 200 nm (110) PbTiO3/SrTiO3)",
        license="none stated (no LICENSE in the repository): internal testing/replay only, "
        "do not redistribute",
        citation="Vatsavai et al., Curiosity Driven Exploration to Optimize Structure-Property "
        "Learning in Microscopy, Digital Discovery 2025, doi 10.1039/d5dd00119f",
    ),
)


@dataclass(frozen=True)
class Options:
    image_index: int = 25
    spectrum_start: int = 49
    pixel_mm: float = 0.001
    license: str = ""


def detect(path: Path) -> bool:
    if path.suffix.lower() != ".npy":
        return False
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return False
    return tuple(arr.shape) == PAPER_SHAPE and arr.dtype.kind == "f"


def convert(path: Path, options: dict[str, OptionValue]) -> LibraryDataset:
    opts = parse_options(Options, options, FORMAT)
    try:
        cube = np.asarray(np.load(path, allow_pickle=False), dtype=float)
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{path}: cannot read .npy ({exc})") from None
    if cube.shape != PAPER_SHAPE:
        raise DatasetError(
            f"{path}: shape {cube.shape} is not the curiosity paper's {PAPER_SHAPE} cube that "
            "npy_sspfm_cube's settings (spectrum = points 49-98, image = slice 25, no bias axis) "
            "were made for; import it with --format cube (set axis, points, image; "
            "docs/datasets.md)"
        )
    h, w, n_pts = cube.shape
    if not 0 <= opts.image_index < n_pts or not 0 <= opts.spectrum_start < n_pts:
        raise DatasetError(
            f"options image_index={opts.image_index}, spectrum_start={opts.spectrum_start} must "
            f"be within 0..{n_pts - 1}"
        )
    if opts.pixel_mm <= 0:
        raise DatasetError(f"option pixel_mm={opts.pixel_mm} must be > 0")
    ids, pos, affine = pixel_grid(h, w, (opts.pixel_mm, opts.pixel_mm))
    loops = cube.reshape(h * w, n_pts)
    spectra = loops[:, opts.spectrum_start :]
    name, source, lic, citation, digest = provenance_for(path, KNOWN, opts.license)
    channel = Channel(
        {
            "polarization": DataArray(
                spectra, "1", ("point_index",), "normalised off-field A·cos φ, spectrum part"
            ),
            "polarization_full": DataArray(loops, "1", ("full_index",), "the whole loop"),
        },
        {
            "point_index": Axis(
                np.arange(opts.spectrum_start, n_pts, dtype=float),
                "1",
                "index into the full loop (bias values not stored)",
            ),
            "full_index": Axis(np.arange(n_pts, dtype=float), "1", "loop point index"),
        },
        kind="spectrum",
        description="switching-spectroscopy PFM polarisation loops (normalisation: "
        f"{normalisation_found(loops)})",
    )
    return LibraryDataset(
        name=name,
        source=source,
        license=lic,
        citation=citation,
        description="SS-PFM polarisation cube: image = one bias slice, spectra = the loop",
        positions_mm=pos,
        features=pos.copy(),
        feature_names=("x_mm", "y_mm"),
        location_ids=ids,
        channels={"sspfm": channel},
        image=DatasetImage(
            cube[:, :, opts.image_index], affine, (f"polarization_at_{opts.image_index}",), ("1",)
        ),
        timing={**SCAN_GRID_TIMING, "measure_s": 10.0},
        provenance={
            "converter": FORMAT,
            "source_sha256": digest,
            "image_index": opts.image_index,
            "spectrum_start": opts.spectrum_start,
            "pixel_mm": opts.pixel_mm,
            "points_kept": f"{n_pts - opts.spectrum_start} of {n_pts} "
            f"({opts.spectrum_start}..{n_pts - 1}) as `polarization`; all as `polarization_full`",
            "axis": "point index (the bias values were not stored)",
            "image": f"slice {opts.image_index} of the cube",
            "normalisation": normalisation_found(loops),
        },
    )
