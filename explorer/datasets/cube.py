"""A spectral cube in an array file -> LibraryDataset (`--format cube`, `from_cube`).

Input: a .npy/.npz/.h5 array of shape (H, W, L) (a spectrum of L points per pixel of an H × W
scan grid) or (n, L) (one spectrum per row of a table of locations, `table=FILE`, joined like
`--format matrix`). `key` chooses the array in an .npz/.h5 holding several.

Choices, all stated in the provenance that `dataset convert` prints, none assumed silently:

* axis: `axis` (an array key in the same file or a file of L values) or `axis_range=START,STOP`
  (L evenly spaced values); without either the axis is the point index (stated);
  `axis_name`/`axis_units` name it (e.g. bias_v / V);
* points kept: all L unless `points=START:STOP`;
* image (H, W, L only): `image=mean_abs` (mean |value| over the kept points, default), `slice`
  (point `image_index` of the full spectrum), `none`, or a key/file of an (H, W) array;
* grid: pixel (row, col) sits at (col, row) · `pixel_mm` (default 0.001 mm = 1 µm; nominal
  unless the scan size is known), id = row · W + col;
* normalisation: reported as found from the values, never claimed.
"""

from __future__ import annotations

import dataclasses
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.datasets import matrix, table
from explorer.datasets.arrays import (
    ARRAY_SUFFIXES,
    arrays_in,
    load_vector,
    parse_points,
    parse_range,
    pick,
    resolve_file,
)
from explorer.datasets.common import (
    SCAN_GRID_TIMING,
    FloatArray,
    OptionValue,
    parse_options,
    pixel_grid,
    sha256_of,
)
from explorer.errors import DatasetError
from hardware.replay import DatasetImage, LibraryDataset

FORMAT = "cube"


@dataclass(frozen=True)
class Options(matrix.Options):
    key: str = ""
    axis: str = ""
    axis_range: str = ""
    points: str = ""
    image: str = "mean_abs"
    image_index: int = 0
    pixel_mm: float = 0.001


def detect(path: Path) -> bool:
    """A float (H, W, L) array in a .npy, or in an .npz that holds one."""
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".npz"):
        return False
    try:
        if suffix == ".npy":
            arr = np.load(path, mmap_mode="r", allow_pickle=False)
            return bool(arr.ndim == 3 and arr.dtype.kind == "f")
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as z:  # closes on errors
            return any(z[k].ndim == 3 and z[k].dtype.kind == "f" for k in z.files)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error):
        return False


def _image(
    cube: FloatArray, kept: slice, spec: str, index: int, extra: dict[str, FloatArray], src: Path
) -> tuple[FloatArray | None, str]:
    h, w, n_pts = cube.shape
    if spec == "none":
        return None, "none"
    if spec == "mean_abs":
        return np.mean(np.abs(cube[:, :, kept]), axis=2), "mean |value| over the kept points"
    if spec == "slice":
        if not 0 <= index < n_pts:
            raise DatasetError(f"image_index={index} is outside 0..{n_pts - 1}")
        return cube[:, :, index], f"slice {index} of the cube"
    img = extra.get(spec)
    where = f"array {spec!r}"
    if img is None:
        path = resolve_file(spec, src)
        got = arrays_in(path)
        img, where = got[pick(got, "", path, (2, 3))], f"file {path.name}"
    if img.shape[:2] != (h, w):
        raise DatasetError(f"image {spec!r} has shape {img.shape}, expected ({h}, {w}[, c])")
    return img, where


def _axis(
    opts: Options, n_pts: int, arrays: dict[str, FloatArray], src: Path
) -> tuple[FloatArray, str]:
    if opts.axis and opts.axis_range:
        raise DatasetError("give axis or axis_range, not both")
    if opts.axis:
        values, where = load_vector(opts.axis, arrays, src)
    elif opts.axis_range:
        values, where = parse_range(opts.axis_range, n_pts), f"range {opts.axis_range}"
    else:
        return np.arange(n_pts, dtype=float), "none given: the point index 0..L-1"
    if len(values) != n_pts:
        raise DatasetError(f"axis has {len(values)} values but spectra have {n_pts} points")
    return np.asarray(values, float), where


def grid_dataset(
    cube: FloatArray,
    axis: FloatArray,
    opts: Options,
    *,
    source: str,
    notes: dict[str, Any],
    image: tuple[FloatArray | None, str],
) -> LibraryDataset:
    """The dataset of an (H, W, L) cube: one location per pixel, spectra over `axis`."""
    h, w, _ = cube.shape
    kept = parse_points(opts.points, cube.shape[2])
    ids, pos, affine = pixel_grid(h, w, (opts.pixel_mm, opts.pixel_mm))
    img, img_text = image
    base = LibraryDataset(
        name=opts.name or "cube",
        source=source,
        license=opts.license or "unknown (not stated; set the `license` option)",
        description=opts.description or f"spectral cube {h}×{w}×{cube.shape[2]}",
        positions_mm=pos,
        features=pos.copy(),
        feature_names=("x_mm", "y_mm"),
        location_ids=ids,
        image=None
        if img is None
        else DatasetImage(img, affine, ("image",), (opts.spectrum_units,)),
        timing=SCAN_GRID_TIMING,
    )
    how = matrix.Spectra(
        opts.channel, opts.quantity, opts.spectrum_units, opts.axis_name, opts.axis_units, opts.kind
    )
    spectra = cube.reshape(h * w, -1)[:, kept]
    notes = {
        **notes,
        "grid": f"{h}×{w} pixels at {opts.pixel_mm:g} mm pitch, id = row·{w} + col",
        "points_kept": f"{kept.stop - kept.start} of {cube.shape[2]} "
        f"({kept.start}..{kept.stop - 1})",
        "image": img_text,
    }
    return matrix.attach_spectra(base, spectra, axis[kept], how, notes)


def from_cube(
    values: Any,
    *,
    axis: Any = None,
    axis_name: str = "axis",
    axis_units: str = "1",
    points: str = "",
    image: str | Any = "mean_abs",
    image_index: int = 0,
    pixel_mm: float = 0.001,
    channel: str = "spectra",
    quantity: str = "signal",
    units: str = "a.u.",
    kind: str = "spectrum",
    name: str = "cube",
    source: str = "a numpy array",
    license: str = "",
) -> LibraryDataset:
    """A replayable LibraryDataset from an (H, W, L) array (see module docstring); `image` is
    mean_abs | slice | none or an (H, W) array."""
    cube = np.asarray(values, float)
    if cube.ndim != 3:
        raise DatasetError(f"from_cube takes an (H, W, L) array, got {cube.shape}; use from_matrix")
    opts = Options(
        axis_name=axis_name,
        axis_units=axis_units,
        points=points,
        image_index=image_index,
        pixel_mm=pixel_mm,
        channel=channel,
        quantity=quantity,
        spectrum_units=units,
        kind=kind,
        name=name,
        license=license,
    )
    ax = np.arange(cube.shape[2], dtype=float) if axis is None else np.asarray(axis, float)
    if ax.shape != (cube.shape[2],):
        raise DatasetError(f"axis has shape {ax.shape}, spectra have {cube.shape[2]} points")
    kept = parse_points(points, cube.shape[2])
    extra = {} if isinstance(image, str) else {"array": np.asarray(image, float)}
    img = _image(
        cube, kept, image if isinstance(image, str) else "array", image_index, extra, Path()
    )
    notes = {"converter": FORMAT, "axis": "given" if axis is not None else "point index"}
    return grid_dataset(cube, ax, opts, source=source, notes=notes, image=img)


def _rows_dataset(
    spectra: FloatArray,
    axis: FloatArray,
    opts: Options,
    path: Path,
    source: str,
    notes: dict[str, Any],
) -> LibraryDataset:
    if not opts.table:
        raise DatasetError(f"{path}: an (n, L) array needs its locations: --set table=FILE")
    table_path = resolve_file(opts.table, path)
    topts = matrix.table_options(opts)
    if opts.join != "row" and not topts.id:
        topts = dataclasses.replace(topts, id=opts.join)
    rows = table.build(table.read_table(table_path, sheet=opts.sheet), topts, source=source)
    kept = parse_points(opts.points, spectra.shape[1])
    joined = matrix._joined(rows, spectra[:, kept], opts.join, None)
    how = matrix.Spectra(
        opts.channel, opts.quantity, opts.spectrum_units, opts.axis_name, opts.axis_units, opts.kind
    )
    notes = {**notes, "points_kept": f"{kept.stop - kept.start} of {spectra.shape[1]}"}
    return matrix.attach_spectra(rows.dataset, joined, axis[kept], how, notes)


def convert(path: Path, options: dict[str, OptionValue]) -> LibraryDataset:
    opts = parse_options(Options, options, FORMAT)
    if path.suffix.lower() not in ARRAY_SUFFIXES:
        raise DatasetError(f"{path}: --format cube reads .npy, .npz or .h5 arrays")
    arrays = arrays_in(path)
    key = pick(arrays, opts.key, path, (2, 3))
    data = arrays[key]
    if data.ndim not in (2, 3):
        raise DatasetError(
            f"{path}: array {key!r} has shape {data.shape}; expected (H, W, L) or (n, L)"
        )
    axis, axis_text = _axis(opts, data.shape[-1], arrays, path)
    digest = sha256_of(path)
    source = f"file {path.name}{f' [{key}]' if key else ''} (sha256 {digest[:12]}…)"
    notes: dict[str, Any] = {
        "converter": FORMAT,
        "source_sha256": digest,
        "array": f"{key or path.name} {data.shape}",
        "axis": f"{opts.axis_name} [{opts.axis_units}] from {axis_text}",
    }
    if not opts.name:
        opts = dataclasses.replace(opts, name=path.name.split(".")[0])
    if data.ndim == 2:
        return _rows_dataset(data, axis, opts, path, source, notes)
    img = _image(
        data, parse_points(opts.points, data.shape[2]), opts.image, opts.image_index, arrays, path
    )
    return grid_dataset(data, axis, opts, source=source, notes=notes, image=img)
