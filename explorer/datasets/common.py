"""Helpers shared by the converters: options, file hashes, known-file provenance, grids."""

from __future__ import annotations

import dataclasses
import hashlib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from explorer.errors import DatasetError

FloatArray = NDArray[np.float64]
T = TypeVar("T")
OptionValue = str | int | float | bool

#: Virtual durations of a point on a piezo scan grid (BEPS/SS-PFM map): tiny moves, no approach.
SCAN_GRID_TIMING: dict[str, float] = {
    "move_fixed_s": 0.2,
    "stage_speed_mm_per_s": 0.01,
    "approach_s": 0.0,
    "approach_jitter": 0.0,
    "tune_s": 0.0,
    "settle_s": 0.1,
    "measure_s": 2.5,
    "overhead_s": 0.0,
}


@dataclass(frozen=True)
class KnownFile:
    """Provenance of a known example file (from the record of where it was copied from).

    `sha256` may be a prefix (some PROVENANCE files give abbreviated hashes)."""

    sha256: str
    name: str
    source: str
    license: str
    citation: str = ""


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def provenance_for(
    path: Path, known: tuple[KnownFile, ...], license_override: str
) -> tuple[str, str, str, str, str]:
    """(name, source, license, citation, sha256): from the known-file table if the hash
    matches, else the file path and the license given by the user (or 'unknown')."""
    digest = sha256_of(path)
    for k in known:
        if digest.startswith(k.sha256):
            return k.name, k.source, license_override or k.license, k.citation, digest
    lic = license_override or "unknown (not stated; set the `license` option)"
    return path.stem, f"file {path.name} (sha256 {digest[:12]}…)", lic, "", digest


def _coerce(value: OptionValue, tp: Any, key: str) -> Any:
    """Convert a YAML/CLI option value to the dataclass field type."""
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        tp = args[0]
    try:
        if tp is bool:
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(value)
                return value.lower() in ("true", "1", "yes")
            return bool(value)
        if tp is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
        if tp is float:
            return float(value)
        return str(value)
    except ValueError:
        raise DatasetError(
            f"option {key}={value!r} is not a valid {getattr(tp, '__name__', tp)}"
        ) from None


def parse_options(cls: type[T], options: Mapping[str, OptionValue], fmt: str) -> T:
    """Build a converter's options dataclass from a mapping; unknown keys are DatasetErrors."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    bad = sorted(set(options) - set(fields))
    if bad:
        raise DatasetError(
            f"format {fmt!r} has no option(s) {bad}; its options are {sorted(fields)}"
        )
    hints = typing.get_type_hints(cls)
    values = {k: _coerce(v, hints[k], k) for k, v in options.items()}
    return cls(**values)


def pixel_grid(
    h: int, w: int, pitch_mm: tuple[float, float]
) -> tuple[NDArray[np.int64], FloatArray, FloatArray]:
    """Row-major ids, (n, 2) stage positions and the (2, 3) pixel_to_mm affine of an h×w image
    whose pixel (row, col) sits at (col·pitch_x, row·pitch_y) mm."""
    px, py = pitch_mm
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    pos = np.column_stack([cols.ravel() * px, rows.ravel() * py]).astype(float)
    affine = np.array([[px, 0.0, 0.0], [0.0, py, 0.0]])
    return np.arange(h * w, dtype=np.int64), pos, affine
