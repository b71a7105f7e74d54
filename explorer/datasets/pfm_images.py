"""Multichannel single-frequency PFM frames in NSID HDF5 (pfm-images-dtmicroscope).

Source layout: `Measurement_000/Channel_k/Channel_k/Channel_k` (W, H) float images (first axis
x) with dimension scales `x`, `y` in m and the Igor header under `original_metadata`.

Library dataset: the full frame is the structure image (H, W, c), one image channel per source
channel (snake_case of its `quantity`, e.g. `amplitude_retrace`), plus a derived
`piezoresponse` = A·cos φ when amplitude and phase exist. Locations are the pixels on a `stride`
grid (default every 4th pixel: 64×64 = 4096 for a 256² frame), id = row·W + col of the full
frame. Each location serves its pixel values as scalars and, as channel `tile`, the
stride×stride block of pixels it represents (a small local scan; axes `row_px`, `col_px`).
Units: the file's `units`, except that phase channels are degrees and UserIn channels volts
(the files label some of them "m"). Features: the stage position (x_mm, y_mm).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.datasets.common import (
    SCAN_GRID_TIMING,
    FloatArray,
    KnownFile,
    OptionValue,
    parse_options,
    provenance_for,
)
from explorer.errors import DatasetError
from hardware.replay import Axis, Channel, DataArray, DatasetImage, LibraryDataset
from hardware.replay.io import H5_READ_ERRORS

FORMAT = "nsid_pfm_images"
_REPO = "pycroscopy/DTMicroscope @ 17245ba6df4299aa3f13e2a8f33d9ba48a8000b4, data/AFM/"
_MIT = "MIT (DTMicroscope, Copyright (c) 2024 DTMicroscope)"
KNOWN = (
    KnownFile("cff84848", "PTO_Funakubo0001", _REPO + "PTO_Funakubo0001.h5", _MIT),
    KnownFile("3a85c485", "PZT_final0001", _REPO + "PZT_final0001.h5", _MIT),
    KnownFile("7dbb2349", "PMN28Pt0000", _REPO + "PMN28Pt0000.h5", _MIT),
)


@dataclass(frozen=True)
class Options:
    stride: int = 4
    tile: bool = True
    license: str = ""


def detect(path: Path) -> bool:
    if path.suffix.lower() not in (".h5", ".hdf5"):
        return False
    import h5py  # noqa: PLC0415

    try:
        with h5py.File(path, "r") as h:
            return "Measurement_000/Channel_0/Channel_0/Channel_0" in h
    except H5_READ_ERRORS:  # a damaged HDF5 file is not this format
        return False


def _snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
    s = re.sub(r"[^a-z0-9_]", "_", s)
    return s if s[:1].isalpha() else f"ch_{s}"


def _units(quantity: str, stated: str) -> str:
    if "phase" in quantity.lower():
        return "deg"
    if "userin" in quantity.lower():
        return "V"
    return stated or "a.u."


def _read(path: Path) -> tuple[list[str], list[str], FloatArray, FloatArray, FloatArray]:
    """(names, units, image (H, W, c), x_m, y_m)."""
    import h5py  # noqa: PLC0415

    names, units, planes = [], [], []
    try:
        with h5py.File(path, "r") as h:
            meas = h["Measurement_000"]
            keys = sorted(meas, key=lambda k: int(k.split("_")[-1]))
            for k in keys:
                d = meas[k][k][k]
                q = d.attrs.get("quantity", k)
                q = q.decode() if isinstance(q, bytes) else str(q)
                u = d.attrs.get("units", "")
                names.append(_snake(q))
                units.append(_units(q, u.decode() if isinstance(u, bytes) else str(u)))
                planes.append(np.asarray(d[()], float).T)  # (x, y) -> (row = y, col = x)
            x_m, y_m = meas[keys[0]][keys[0]]["x"][()], meas[keys[0]][keys[0]]["y"][()]
    except (OSError, KeyError, ValueError) as exc:
        raise DatasetError(f"{path}: not a readable NSID PFM image file ({exc})") from None
    return names, units, np.stack(planes, axis=-1), np.asarray(x_m, float), np.asarray(y_m, float)


def _with_piezoresponse(names: list[str], units: list[str], img: FloatArray) -> FloatArray:
    amp = next((i for i, n in enumerate(names) if n.startswith("amplitude")), None)
    phase = next((i for i, n in enumerate(names) if n.startswith("phase")), None)
    if amp is None or phase is None:
        return img
    pr = img[:, :, amp] * np.cos(np.deg2rad(img[:, :, phase]))
    names.append("piezoresponse")
    units.append(units[amp])
    return np.concatenate([img, pr[:, :, None]], axis=-1)


def convert(path: Path, options: dict[str, OptionValue]) -> LibraryDataset:
    opts = parse_options(Options, options, FORMAT)
    if opts.stride < 1:
        raise DatasetError(f"option stride={opts.stride} must be >= 1")
    names, units, img, x_m, y_m = _read(path)
    img = _with_piezoresponse(names, units, img)
    h, w, _ = img.shape
    px, py = float(x_m[1] - x_m[0]) * 1e3, float(y_m[1] - y_m[0]) * 1e3
    affine = np.array([[px, 0.0, x_m[0] * 1e3], [0.0, py, y_m[0] * 1e3]])
    s = opts.stride
    grid_r, grid_c = np.meshgrid(
        np.arange(0, h - s + 1, s), np.arange(0, w - s + 1, s), indexing="ij"
    )
    rows, cols = grid_r.ravel(), grid_c.ravel()
    pos = np.column_stack([cols * px + affine[0, 2], rows * py + affine[1, 2]])
    scalars = {
        n: DataArray(img[rows, cols, k], u, description="pixel value at the location")
        for k, (n, u) in enumerate(zip(names, units, strict=True))
    }
    channels = {}
    if opts.tile:
        off = np.arange(s)
        blocks = img[
            rows[:, None, None] + off[None, :, None], cols[:, None, None] + off[None, None, :]
        ]
        channels["tile"] = Channel(
            {
                n: DataArray(blocks[..., k], u, ("row_px", "col_px"))
                for k, (n, u) in enumerate(zip(names, units, strict=True))
            },
            {"row_px": Axis(off.astype(float), "px"), "col_px": Axis(off.astype(float), "px")},
            kind="image_tile",
            description=f"{s}×{s} pixel block starting at the location",
        )
    name, source, lic, citation, digest = provenance_for(path, KNOWN, opts.license)
    return LibraryDataset(
        name=name,
        source=source,
        license=lic,
        citation=citation,
        description="single-frequency PFM frame: pixels on a stride grid, all channels",
        positions_mm=pos,
        features=pos.copy(),
        feature_names=("x_mm", "y_mm"),
        location_ids=(rows * w + cols).astype(np.int64),
        channels=channels,
        scalars=scalars,
        image=DatasetImage(img, affine, tuple(names), tuple(units)),
        timing={**SCAN_GRID_TIMING, "measure_s": 5.0},
        provenance={"converter": FORMAT, "source_sha256": digest, "stride": s, "tile": opts.tile},
    )
