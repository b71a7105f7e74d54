"""Vendor and community files read by the pycroscopy tools -> LibraryDataset.

`--format nsid` (NSID HDF5 of any spectral-image shape) and `--format scifi` (any file a
SciFiReaders reader opens: Nanonis .sxm/.3ds/.dat, Bruker .spm/.001, Gwyddion .gwy, NT-MDT .mdt,
WSxM, ...; `reader=NAME` forces one, e.g. `reader=NanonisSXMReader`). Both need the optional
extra `pip install 'combi-explorer[pycroscopy]'` (sidpy, pyNSID, SciFiReaders) and say so when
it is missing. The readers return sidpy Datasets with typed dimensions, turned into one dataset:

* a spectral image (two SPATIAL dimensions + one SPECTRAL, e.g. BEPS (x, y, bias)): one location
  per pixel, id = row·W + col (row = the second spatial dimension), the spectra as channel
  `spectra` (quantity = the dataset's quantity) over the spectral dimension (its name, values
  and units); images of the same size become the structure image, else mean |value| over the
  spectrum (stated);
* images only (two SPATIAL dimensions): all same-size images stacked as the structure image,
  locations every `stride` pixels serving each image's pixel value as a scalar;

positions from the spatial dimension values (m, µm or nm -> mm). Everything else the file holds
is listed as left out in the provenance.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.datasets.arrays import normalisation_found
from explorer.datasets.common import (
    SCAN_GRID_TIMING,
    FloatArray,
    OptionValue,
    parse_options,
    sha256_of,
)
from explorer.datasets.tabular import safe_name
from explorer.errors import DatasetError
from hardware.replay import Axis, Channel, DataArray, DatasetImage, LibraryDataset
from hardware.replay.io import H5_READ_ERRORS

EXTRA = "pip install 'combi-explorer[pycroscopy]' (sidpy, pyNSID, SciFiReaders)"
MM_PER_UNIT = {"m": 1e3, "mm": 1.0, "um": 1e-3, "µm": 1e-3, "nm": 1e-6}
READERS_BY_SUFFIX = {
    ".h5": "NSIDReader",
    ".hdf5": "NSIDReader",
    ".sxm": "NanonisSXMReader",
    ".3ds": "Nanonis3dsReader",
    ".dat": "NanonisDatReader",
    ".gwy": "GwyddionReader",
    ".spm": "BrukerAFMReader",
    ".001": "BrukerAFMReader",
    ".mdt": "MDTReader",
    ".ibw": "IgorIBWReader",
}


@dataclass(frozen=True)
class Options:
    reader: str = ""
    key: str = ""
    stride: int = 4
    name: str = ""
    license: str = ""


def detect_nsid(path: Path) -> bool:
    """An HDF5 file with an NSID main dataset (attributes data_type and quantity)."""
    if path.suffix.lower() not in (".h5", ".hdf5"):
        return False
    import h5py  # noqa: PLC0415

    found: list[str] = []

    def visit(name: str, obj: Any) -> None:
        if isinstance(obj, h5py.Dataset) and {"data_type", "quantity"} <= set(obj.attrs):
            found.append(name)

    try:
        with h5py.File(path, "r") as h:
            h.visititems(visit)
    except H5_READ_ERRORS:
        return False
    return bool(found)


@dataclass(frozen=True)
class SidData:
    """A sidpy Dataset copied into memory: values, dimensions (name, type, values, units)."""

    values: FloatArray
    dims: tuple[tuple[str, str, FloatArray, str], ...]
    quantity: str
    units: str

    @property
    def ndim(self) -> int:
        return int(self.values.ndim)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)


def snapshot(ds: Any) -> SidData:
    """The data and dimensions of a sidpy Dataset, read now (its file may be closed after)."""
    dims = []
    for i in range(ds.ndim):
        dim = ds._axes[i]
        kind = str(getattr(dim.dimension_type, "name", dim.dimension_type)).upper()
        dims.append((str(dim.name), kind, np.asarray(dim.values, float), str(dim.units)))
    return SidData(np.asarray(ds, float), tuple(dims), str(ds.quantity or ""), str(ds.units or ""))


def read_sidpy(path: Path, reader: str) -> dict[str, SidData]:
    """{key: data} from the SciFiReaders reader (by suffix unless given). The reader works on a
    temporary copy: some readers (NSIDReader) open the file for writing and keep it open."""
    name = reader or READERS_BY_SUFFIX.get(path.suffix.lower(), "")
    if not name:
        raise DatasetError(f"{path}: no SciFiReaders reader for {path.suffix!r}; set reader=NAME")
    try:
        import SciFiReaders  # type: ignore[import-untyped]  # noqa: PLC0415
    except ImportError:
        raise DatasetError(f"{path}: reading it needs the optional readers: {EXTRA}") from None
    cls = getattr(SciFiReaders, name, None)
    if cls is None:
        raise DatasetError(f"reader={name!r} is not a SciFiReaders reader")
    with tempfile.TemporaryDirectory(prefix="combi-read-") as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        try:
            opened = cls(str(copy))
            got = opened.read()
            items = got.items() if isinstance(got, dict) else enumerate(_as_list(got))
            out = {str(k): snapshot(v) for k, v in items}
        except Exception as exc:  # third-party readers raise anything on a file they cannot parse
            raise DatasetError(
                f"{path}: {name} cannot read it ({type(exc).__name__}: {exc})"
            ) from None
        getattr(opened, "close", lambda: None)()
    return out


def _as_list(got: Any) -> list[Any]:
    return got if isinstance(got, list) else [got]


def _dims(ds: SidData) -> list[tuple[str, str, FloatArray, str]]:
    return list(ds.dims)


def _pitch_mm(dim: tuple[str, str, FloatArray, str]) -> tuple[float, float, str]:
    """(pitch, origin, note) in mm of a spatial dimension."""
    name, _, values, units = dim
    scale = MM_PER_UNIT.get(units.strip())
    note = ""
    if scale is None:
        scale, note = 1e3, f"{name}: units {units!r} read as m"
    step = float(np.median(np.diff(values))) if len(values) > 1 else 1.0
    return step * scale, float(values[0]) * scale, note


def _layout(dims: list[tuple[str, str, FloatArray, str]]) -> tuple[list[int], list[int]]:
    spatial = [i for i, d in enumerate(dims) if d[1] == "SPATIAL"]
    spectral = [i for i, d in enumerate(dims) if d[1] == "SPECTRAL"]
    return spatial, spectral


def _affine(
    dims: list[tuple[str, str, FloatArray, str]], spatial: list[int], prov: dict[str, Any]
) -> FloatArray:
    (px, x0, nx), (py, y0, ny) = (_pitch_mm(dims[i]) for i in spatial)
    for note in (nx, ny):
        if note:
            prov.setdefault("units_assumed", note)
    return np.array([[px, 0.0, x0], [0.0, py, y0]])


def _spectral_image(
    key: str, ds: SidData, images: dict[str, FloatArray], prov: dict[str, Any]
) -> dict[str, Any]:
    dims = _dims(ds)
    spatial, (spec,) = _layout(dims)[0], _layout(dims)[1]
    cube = np.moveaxis(ds.values, [spatial[1], spatial[0], spec], [0, 1, 2])  # (H=y, W=x, L)
    h, w, n_pts = cube.shape
    affine = _affine(dims, spatial, prov)
    same = {k: v for k, v in images.items() if v.shape == (h, w)}
    if same:
        image, names = np.stack(list(same.values()), axis=-1), tuple(safe_name(k) for k in same)
        prov["image"] = "images " + ", ".join(same)
    else:
        image, names = np.mean(np.abs(cube), axis=2), ("mean_abs",)
        prov["image"] = "mean |value| over the spectrum (no image of the same size in the file)"
    axis_name, _, axis_values, axis_units = dims[spec]
    quantity = safe_name(ds.quantity or "signal")
    spectra = cube.reshape(h * w, n_pts)
    prov.update(
        array=f"{key} {tuple(ds.shape)} ({', '.join(d[0] for d in dims)})",
        axis=f"{axis_name} [{axis_units}] from the file, {n_pts} points",
        points_kept=f"all {n_pts}",
        normalisation=normalisation_found(spectra),
    )
    return {
        "grid": (h, w, 1, affine),
        "channels": {
            "spectra": Channel(
                {quantity: DataArray(spectra, ds.units or "a.u.", (safe_name(axis_name),))},
                {safe_name(axis_name): Axis(axis_values, axis_units)},
                kind="spectrum",
            )
        },
        "scalars": {},
        "image": (image, names),
    }


def _images_only(
    images: dict[str, FloatArray],
    units: dict[str, str],
    dims: Any,
    stride: int,
    prov: dict[str, Any],
) -> dict[str, Any]:
    shape = next(iter(images.values())).shape
    same = {k: v for k, v in images.items() if v.shape == shape}
    h, w = shape
    affine = _affine(dims, [0, 1], prov)
    rows, cols = (
        a.ravel()
        for a in np.meshgrid(np.arange(0, h, stride), np.arange(0, w, stride), indexing="ij")
    )
    scalars = {
        safe_name(k): DataArray(v[rows, cols], units[k], description="pixel value")
        for k, v in same.items()
    }
    prov.update(image="images " + ", ".join(same), grid=f"every {stride} pixels of {h}×{w}")
    return {
        "grid": (h, w, stride, affine),
        "rows_cols": (rows, cols),
        "channels": {},
        "scalars": scalars,
        "image": (np.stack(list(same.values()), axis=-1), tuple(safe_name(k) for k in same)),
    }


def from_sidpy(
    datasets: dict[str, Any],
    *,
    key: str = "",
    stride: int = 4,
    name: str = "sidpy",
    source: str = "sidpy datasets",
    license: str = "",
) -> LibraryDataset:
    """A LibraryDataset from sidpy Datasets (module docstring)."""
    if stride < 1:
        raise DatasetError(f"stride={stride} must be >= 1")
    prov: dict[str, Any] = {}
    images: dict[str, FloatArray] = {}
    units: dict[str, str] = {}
    cubes, left, image_dims = [], [], None
    datasets = {k: v if isinstance(v, SidData) else snapshot(v) for k, v in datasets.items()}
    for k, ds in datasets.items():
        spatial, spectral = _layout(_dims(ds))
        if len(spatial) == 2 and len(spectral) == 1 and ds.ndim == 3:
            cubes.append(k)
        elif len(spatial) == 2 and ds.ndim == 2:
            label = safe_name(ds.quantity or k)
            label = label if label not in images else safe_name(f"{label}_{k}")
            images[label] = ds.values.T  # (x, y) -> (row = y, col = x)
            units[label], image_dims = ds.units or "a.u.", image_dims or _dims(ds)
        else:
            left.append(f"{k} {tuple(ds.shape)}")
    chosen = key or (cubes[0] if cubes else "")
    if chosen and chosen not in cubes:
        raise DatasetError(f"key={chosen!r} is not a spectral image; spectral images: {cubes}")
    if chosen:
        parts = _spectral_image(chosen, datasets[chosen], images, prov)
        left += [c for c in cubes if c != chosen]
    elif images:
        parts = _images_only(images, units, image_dims, stride, prov)
    else:
        raise DatasetError(f"{source}: no spectral image or image found (only {left})")
    if left:
        prov["left_out"] = "; ".join(left)
    return _assemble(parts, name=name, source=source, license=license, prov=prov)


def _assemble(
    parts: dict[str, Any], *, name: str, source: str, license: str, prov: dict[str, Any]
) -> LibraryDataset:
    h, w, _, affine = parts["grid"]
    rows, cols = parts.get("rows_cols") or (
        a.ravel() for a in np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    )
    pos = np.column_stack([cols * affine[0, 0] + affine[0, 2], rows * affine[1, 1] + affine[1, 2]])
    image, names = parts["image"]
    return LibraryDataset(
        name=safe_name(name),
        source=source,
        license=license or "unknown (not stated; set the `license` option)",
        description=f"read with the pycroscopy tools: {h}×{w} scan",
        positions_mm=pos,
        features=pos.copy(),
        feature_names=("x_mm", "y_mm"),
        location_ids=(rows * w + cols).astype(np.int64),
        channels=parts["channels"],
        scalars=parts["scalars"],
        image=DatasetImage(image, affine, names, ("a.u.",) * len(names)),
        timing=SCAN_GRID_TIMING,
        provenance={
            k: str(v) if not isinstance(v, int | float | bool) else v for k, v in prov.items()
        },
    )


def _convert(path: Path, options: dict[str, OptionValue], fmt: str, reader: str) -> LibraryDataset:
    opts = parse_options(Options, options, fmt)
    datasets = read_sidpy(path, opts.reader or reader)
    digest = sha256_of(path)
    ds = from_sidpy(
        datasets,
        key=opts.key,
        stride=opts.stride,
        name=opts.name or path.name.split(".")[0],
        source=f"file {path.name} (sha256 {digest[:12]}…)",
        license=opts.license,
    )
    prov = {
        "converter": fmt,
        "reader": opts.reader or reader or READERS_BY_SUFFIX.get(path.suffix.lower(), ""),
        "source_sha256": digest,
        **ds.provenance,
    }

    return dataclasses.replace(ds, provenance=prov)


def convert_nsid(path: Path, options: dict[str, OptionValue]) -> LibraryDataset:
    return _convert(path, options, "nsid", "NSIDReader")


def convert_scifi(path: Path, options: dict[str, OptionValue]) -> LibraryDataset:
    return _convert(path, options, "scifi", "")


def detect_never(path: Path) -> bool:
    del path
    return False
