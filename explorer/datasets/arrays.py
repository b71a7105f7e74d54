"""Reading arrays out of .npy/.npz/.h5 files and text, and describing what they hold.

Helpers of the cube and matrix importers: named arrays inside a file (`key`), axis values
from a file, a key or a range, a `start:stop` choice of points, and the normalisation a cube
seems to carry (found from the values, never assumed).
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

from explorer.datasets.common import FloatArray
from explorer.errors import DatasetError
from hardware.replay.io import H5_READ_ERRORS

ARRAY_SUFFIXES = (".npy", ".npz", ".h5", ".hdf5")


def _h5_arrays(path: Path) -> dict[str, FloatArray]:
    import h5py  # noqa: PLC0415

    found: dict[str, FloatArray] = {}

    def visit(name: str, obj: object) -> None:
        if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "biuf" and obj.ndim >= 1:
            found[name] = obj

    try:
        with h5py.File(path, "r") as h:
            h.visititems(visit)
            return {k: np.asarray(v[()], float) for k, v in found.items()}
    except H5_READ_ERRORS as exc:
        raise DatasetError(f"{path}: not a readable HDF5 file ({exc})") from None


def arrays_in(path: Path) -> dict[str, FloatArray]:
    """Every numeric array of a .npy ('' key), .npz or HDF5 file (never unpickles)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return {"": np.asarray(np.load(path, allow_pickle=False), float)}
        if suffix == ".npz":
            with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as z:
                return {k: np.asarray(z[k], float) for k in z.files if z[k].dtype.kind in "biuf"}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise DatasetError(f"{path}: cannot read {suffix} ({exc})") from None
    if suffix in (".h5", ".hdf5"):
        return _h5_arrays(path)
    raise DatasetError(f"{path}: expected .npy, .npz or .h5 arrays, got {suffix or 'no suffix'}")


def pick(arrays: dict[str, FloatArray], key: str, path: Path, ndims: tuple[int, ...]) -> str:
    """The key of the data array: the given one, or the only array with a wanted ndim."""
    if key:
        if key not in arrays:
            raise DatasetError(f"{path}: no array {key!r}; it holds {sorted(arrays)}")
        return key
    cands = [k for k, v in arrays.items() if v.ndim in ndims]
    if len(cands) != 1:
        shapes = {k: v.shape for k, v in arrays.items()}
        raise DatasetError(
            f"{path}: {len(cands)} candidate data arrays {shapes}; choose one with --set key=NAME"
        )
    return cands[0]


def resolve_file(value: str, source: Path) -> Path:
    """A file option: absolute, else relative to the current directory if it exists there,
    else relative to the source file's folder."""
    p = Path(value).expanduser()
    for cand in [p] if p.is_absolute() else [Path.cwd() / p, source.parent / p]:
        if cand.is_file():
            return cand.resolve()
    raise DatasetError(
        f"file {value!r} not found (relative to the current directory or {source.parent})"
    )


def load_vector(value: str, arrays: dict[str, FloatArray], source: Path) -> tuple[FloatArray, str]:
    """A 1-D array named `value` in the same file, or read from a file; (values, where from)."""
    if value in arrays:
        return np.ravel(arrays[value]), f"array {value!r} of {source.name}"
    path = resolve_file(value, source)
    if path.suffix.lower() in ARRAY_SUFFIXES:
        got = arrays_in(path)
        return np.ravel(got[pick(got, "", path, (1, 2))]), f"file {path.name}"
    try:
        return np.ravel(np.loadtxt(path, delimiter=None if path.suffix != ".csv" else ",")), (
            f"file {path.name}"
        )
    except ValueError as exc:
        raise DatasetError(f"{path}: not a column of numbers ({exc})") from None


def parse_range(text: str, n: int) -> FloatArray:
    """`"start,stop"` -> n evenly spaced values (both ends included)."""
    parts = [p for p in text.replace(":", ",").split(",") if p.strip()]
    try:
        start, stop = (float(p) for p in parts)
    except ValueError:
        raise DatasetError(f"axis_range={text!r} must look like START,STOP") from None
    return np.linspace(start, stop, n)


def parse_points(text: str, n: int) -> slice:
    """`"49:"`, `"0:32"` or `""` (all) -> the slice of spectrum points kept."""
    if not text:
        return slice(0, n)
    lo, sep, hi = text.partition(":")
    try:
        start = int(lo) if lo.strip() else 0
        stop = int(hi) if hi.strip() else n
    except ValueError:
        start, stop = -1, -1
    if not sep or not 0 <= start < stop <= n:
        raise DatasetError(f"points={text!r} must be START:STOP within 0..{n} (e.g. 49:{n})")
    return slice(start, stop)


def normalisation_found(values: FloatArray) -> str:
    """What normalisation the values show (from their range), or that none was found."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return "none found (no finite values)"
    lo, hi = float(finite.min()), float(finite.max())
    for a, b in ((-1.0, 1.0), (0.0, 1.0)):
        if np.isclose(lo, a, atol=1e-6) and np.isclose(hi, b, atol=1e-6):
            return f"values span exactly [{a:g}, {b:g}]: looks min-max normalised"
    if values.ndim == 2:
        peak = np.nanmax(np.abs(values), axis=1)
        if np.allclose(peak[np.isfinite(peak)], 1.0, atol=1e-6):
            return "every spectrum has max |value| = 1: looks normalised per spectrum"
    return f"none found (values {lo:.4g} … {hi:.4g})"
