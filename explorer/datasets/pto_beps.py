"""BEPS spectral image in NSID HDF5 (pto-beps-50x50: DTMicroscope `BEPS_PTO_50x50.h5`).

Source layout: `Channel_000/generic/generic` (nx, ny, n_bias) piezoresponse after SHO fitting,
dimension scales `X`, `Y` (m) and `Voltage` (V, one triangle cycle 0 → +8.5 → −8.5 → 0 V).

Library dataset: one location per pixel (id = iy·nx + ix, stage position = scan position in
mm), channel `beps` with `piezoresponse` (n, n_bias) over axis `bias_v` (the source order, which
is the simulator's triangle convention, so loop objectives read it directly). SHO-fit spikes
(|value| > `spike_threshold`, ~4.5 % of the values per PROVENANCE) are replaced by cyclic linear
interpolation between the neighbouring clean bias steps when `despike` is on (default); the
untouched values are kept as `piezoresponse_raw` and the count per loop as scalar
`despiked_points`. Structure image: mean |piezoresponse| over bias (as the DKL notebooks derive
it with `amp.mean(axis=2)`); note it is computed from the same loops, so it is an informative
but not independent structure channel. Features: the scan position (x_mm, y_mm).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.datasets.common import (
    SCAN_GRID_TIMING,
    FloatArray,
    KnownFile,
    OptionValue,
    parse_options,
    pixel_grid,
    provenance_for,
)
from explorer.errors import DatasetError
from hardware.replay import Axis, Channel, DataArray, DatasetImage, LibraryDataset
from hardware.replay.io import H5_READ_ERRORS

FORMAT = "nsid_beps"
KNOWN = (
    KnownFile(
        sha256="6aebbfd6639c4fc3670228899ef7af7965a41decacedfb8db0c6ecd46d095055",
        name="pto-beps-50x50",
        source="pycroscopy/DTMicroscope @ 17245ba6df4299aa3f13e2a8f33d9ba48a8000b4, "
        "data/AFM/BEPS_PTO_50x50.h5 (BEPS of a PbTiO3 film, R. Vasudevan, CNMS/ORNL)",
        license="MIT (DTMicroscope, Copyright (c) 2024 DTMicroscope)",
    ),
)
MAIN = "Channel_000/generic/generic"


@dataclass(frozen=True)
class Options:
    despike: bool = True
    spike_threshold: float = 1e-3
    image: str = "mean_abs"  # mean_abs | median_abs | slice
    slice_index: int = 16
    scale: float = 1.0
    license: str = ""


def detect(path: Path) -> bool:
    if path.suffix.lower() not in (".h5", ".hdf5"):
        return False
    import h5py  # noqa: PLC0415

    try:
        with h5py.File(path, "r") as h:
            return MAIN in h and h[MAIN].ndim == 3 and "Voltage" in h[MAIN].parent
    except H5_READ_ERRORS:  # a damaged HDF5 file is not this format
        return False


def despike(loops: FloatArray, threshold: float) -> tuple[FloatArray, np.ndarray]:
    """Replace |value| > threshold by cyclic linear interpolation along the bias steps.

    Returns (cleaned (n, L), spikes replaced per loop (n,)). A loop made only of spikes is set
    to 0 (there is nothing to interpolate from).
    """
    bad = np.abs(loops) > threshold
    out = loops.copy()
    n_bias = loops.shape[1]
    idx = np.arange(n_bias)
    for i in np.flatnonzero(bad.any(axis=1)):
        good = ~bad[i]
        if not good.any():
            out[i] = 0.0
            continue
        xs = np.concatenate([idx[good] - n_bias, idx[good], idx[good] + n_bias])
        out[i, bad[i]] = np.interp(idx[bad[i]], xs, np.tile(loops[i, good], 3))
    return out, bad.sum(axis=1).astype(float)


def _read(path: Path) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    import h5py  # noqa: PLC0415

    try:
        with h5py.File(path, "r") as h:
            group = h[MAIN].parent
            cube = np.asarray(h[MAIN][()], float)
            return cube, group["X"][()], group["Y"][()], group["Voltage"][()]
    except (OSError, KeyError) as exc:
        raise DatasetError(f"{path}: not a readable NSID BEPS file ({exc})") from None


def _image(loops: FloatArray, opts: Options, shape: tuple[int, int]) -> tuple[FloatArray, str]:
    if opts.image == "mean_abs":
        return np.mean(np.abs(loops), axis=1).reshape(shape), "mean_abs_piezoresponse"
    if opts.image == "median_abs":
        return np.median(np.abs(loops), axis=1).reshape(shape), "median_abs_piezoresponse"
    if opts.image == "slice":
        if not 0 <= opts.slice_index < loops.shape[1]:
            raise DatasetError(
                f"option slice_index={opts.slice_index} is outside 0..{loops.shape[1] - 1}"
            )
        return loops[:, opts.slice_index].reshape(
            shape
        ), f"piezoresponse_at_step_{opts.slice_index}"
    raise DatasetError(f"option image={opts.image!r} is not mean_abs, median_abs or slice")


def convert(path: Path, options: dict[str, OptionValue]) -> LibraryDataset:
    opts = parse_options(Options, options, FORMAT)
    cube, x_m, y_m, bias = _read(path)
    nx, ny, nb = cube.shape
    if (len(x_m), len(y_m), len(bias)) != (nx, ny, nb):
        raise DatasetError(f"{path}: dimension scales do not match the data shape {cube.shape}")
    raw = cube.transpose(1, 0, 2).reshape(nx * ny, nb) * opts.scale  # row-major: id = iy·nx + ix
    pitch = (float(np.median(np.diff(x_m))) * 1e3, float(np.median(np.diff(y_m))) * 1e3)
    ids, pos, affine = pixel_grid(ny, nx, pitch)
    pos = pos + np.array([x_m[0], y_m[0]]) * 1e3
    affine[:, 2] = np.array([x_m[0], y_m[0]]) * 1e3
    clean, counts = despike(raw, opts.spike_threshold * opts.scale) if opts.despike else (raw, None)
    image, image_name = _image(clean, opts, (ny, nx))
    data = {
        "piezoresponse": DataArray(
            clean,
            "a.u.",
            ("bias_v",),
            "SHO-fitted piezoresponse per bias step"
            + (" (SHO spikes interpolated)" if opts.despike else ""),
        )
    }
    scalars = {}
    if counts is not None:
        data["piezoresponse_raw"] = DataArray(raw, "a.u.", ("bias_v",), "as recorded, with spikes")
        scalars["despiked_points"] = DataArray(counts, "1", description="bias steps interpolated")
    name, source, lic, citation, digest = provenance_for(path, KNOWN, opts.license)
    return LibraryDataset(
        name=name,
        source=source,
        license=lic,
        citation=citation,
        description="BEPS loops on a scan grid; structure image derived from the loops",
        positions_mm=pos,
        features=pos.copy(),
        feature_names=("x_mm", "y_mm"),
        location_ids=ids,
        channels={
            "beps": Channel(
                data,
                {"bias_v": Axis(bias, "V", "DC bias, one cycle 0 → +V → −V → 0")},
                kind="loop",
                description="band-excitation piezoresponse spectroscopy loops",
            )
        },
        scalars=scalars,
        image=DatasetImage(image, affine, (image_name,), ("a.u.",)),
        timing=SCAN_GRID_TIMING,
        provenance={
            "converter": FORMAT,
            "source_sha256": digest,
            "despike": opts.despike,
            "spike_threshold": opts.spike_threshold,
            "scale": opts.scale,
            "image": image_name,
            "despiked_values": int(counts.sum()) if counts is not None else 0,
        },
    )
