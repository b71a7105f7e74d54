"""Library datasets for offline replay: loading (native files or external formats converted in
memory), the generic importers (tables, cubes, matrices, vendor files), the converters of the
example datasets, image-patch features, simulation (docs/datasets.md).

The format itself (value types, HDF5/.npz reader and writer) lives in `hardware.replay`, so the
ReplayInstrument can use it without importing `explorer`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from explorer.datasets import (
    cube,
    ibw,
    matrix,
    nist_ternary,
    pfm_images,
    pto_beps,
    pto_sspfm,
    pycroscopy,
    smbfo_digitized,
    table,
)
from explorer.datasets.common import OptionValue
from explorer.datasets.cube import from_cube
from explorer.datasets.matrix import from_matrix
from explorer.datasets.paths import check_dataset_path
from explorer.datasets.table import from_table
from explorer.errors import DatasetError
from hardware.replay import LibraryDataset, is_library_dataset, read_dataset


@dataclass(frozen=True)
class Converter:
    """An external file format and the function that turns it into a LibraryDataset."""

    name: str
    detect: Callable[[Path], bool]
    convert: Callable[[Path, dict[str, OptionValue]], LibraryDataset]
    summary: str


CONVERTERS: dict[str, Converter] = {
    c.name: c
    for c in (
        Converter(
            pto_beps.FORMAT,
            pto_beps.detect,
            pto_beps.convert,
            "NSID HDF5 BEPS spectral image (pto-beps-50x50)",
        ),
        Converter(
            pto_sspfm.FORMAT,
            pto_sspfm.detect,
            pto_sspfm.convert,
            "the curiosity paper's (49, 49, 99) SS-PFM .npy only (pto-sspfm-curiosity; else: cube)",
        ),
        Converter(
            pfm_images.FORMAT,
            pfm_images.detect,
            pfm_images.convert,
            "NSID HDF5 multichannel PFM frames (pfm-images-dtmicroscope)",
        ),
        Converter(
            nist_ternary.FORMAT,
            nist_ternary.detect,
            nist_ternary.convert,
            ".mat ternary spread with XRD/Coer/Kerr (nist-combi-ternary)",
        ),
        Converter(
            smbfo_digitized.FORMAT,
            smbfo_digitized.detect,
            smbfo_digitized.convert,
            "CSV loop-height profile (smbfo-loop-height-digitized)",
        ),
        Converter(
            table.FORMAT,
            table.detect,
            table.convert,
            "any table (CSV/TSV, .gz, Parquet, Excel): one row per location",
        ),
        Converter(
            cube.FORMAT,
            cube.detect,
            cube.convert,
            ".npy/.npz/.h5 array (H, W, L) or (n, L) of spectra, with its axis",
        ),
        Converter(
            matrix.FORMAT,
            matrix.detect_never,
            matrix.convert,
            "text matrix of spectra (first row or column = axis) joined to a table",
        ),
        Converter(
            ibw.FORMAT,
            ibw.detect,
            ibw.convert,
            "Asylum .ibw spectroscopy: one file, or a folder of grid points (igor2)",
        ),
        Converter(
            "nsid",
            pycroscopy.detect_nsid,
            pycroscopy.convert_nsid,
            "NSID HDF5 of any spectral image or images (via pyNSID/SciFiReaders; optional)",
        ),
        Converter(
            "scifi",
            pycroscopy.detect_never,
            pycroscopy.convert_scifi,
            "any file a SciFiReaders reader opens: Nanonis, Bruker, Gwyddion, ... (optional)",
        ),
    )
}
NATIVE = "native"
FORMAT_NAMES: tuple[str, ...] = ("auto", NATIVE, *CONVERTERS)


def detect_format(path: Path) -> str:
    """Name of the format of a file ('native' for a library dataset); DatasetError if unknown."""
    if path.is_dir() and ibw.detect(path):
        return ibw.FORMAT
    check_dataset_path(path)
    if is_library_dataset(path):
        return NATIVE
    for conv in CONVERTERS.values():
        if conv.detect(path):
            return conv.name
    raise DatasetError(
        f"{path}: not a library dataset and no converter recognises it; known formats: "
        f"{sorted(CONVERTERS)} (pass --format to force one)"
    )


def load_dataset(
    path: Path, fmt: str = "auto", options: Mapping[str, OptionValue] | None = None
) -> LibraryDataset:
    """A validated LibraryDataset from a native file or an external format (converted in memory).

    Results are cached per (file, modification time, size, format, options): datasets are
    immutable, so a library and an instrument built from the same file share one copy.
    """
    path = Path(path).resolve()
    st = path.stat() if path.is_dir() and ibw.detect(path) else check_dataset_path(path)
    opts = tuple(sorted((options or {}).items()))
    return _load_cached(str(path), st.st_mtime_ns, st.st_size, fmt, opts)


@lru_cache(maxsize=8)
def _load_cached(
    path: str, mtime_ns: int, size: int, fmt: str, opts: tuple[tuple[str, OptionValue], ...]
) -> LibraryDataset:
    del mtime_ns, size  # cache keys only
    p = Path(path)
    name = detect_format(p) if fmt == "auto" else fmt
    if name == NATIVE:
        if opts:
            raise DatasetError(f"{p}: a native library dataset takes no format options")
        return read_dataset(p)
    if name not in CONVERTERS:
        raise DatasetError(f"unknown dataset format {name!r}; known: {list(FORMAT_NAMES)}")
    return CONVERTERS[name].convert(p, dict(opts))


__all__ = [
    "CONVERTERS",
    "FORMAT_NAMES",
    "NATIVE",
    "Converter",
    "LibraryDataset",
    "detect_format",
    "from_cube",
    "from_matrix",
    "from_table",
    "load_dataset",
]
