"""Asylum Research .ibw spectroscopy -> LibraryDataset (`--format ibw`), read with igor2.

Input: one .ibw file, or a folder of them, one file per grid point (an SS-PFM or force-map
grid saved point by point). Each wave is 1-D (one trace) or 2-D (points × columns, the column
labels naming the traces, e.g. Bias, Amp, Phase). `axis=LABEL` makes one column the axis (e.g.
`axis=Bias`, `axis_units=V`); without it the axis is the point index (stated). Positions: a
table `positions=FILE` with columns `file` (the .ibw name), `x_mm`, `y_mm` (or use the x_mm /
y_mm options to name other columns), else the note keys `x_key`/`y_key` (default XLVDT / YLVDT)
× `position_scale` (default 1000: metres -> mm). Asylum image frames (H × W × channels) are read
by SciFiReaders' IgorIBWReader through `--format scifi`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.datasets.arrays import normalisation_found, resolve_file
from explorer.datasets.common import FloatArray, OptionValue, parse_options
from explorer.datasets.tabular import read_table, safe_name
from explorer.errors import DatasetError
from hardware.replay import Axis, Channel, DataArray, LibraryDataset

FORMAT = "ibw"


@dataclass(frozen=True)
class Options:
    axis: str = ""
    axis_units: str = "1"
    channel: str = "spectroscopy"
    positions: str = ""
    x_mm: str = "x_mm"
    y_mm: str = "y_mm"
    x_key: str = "XLVDT"
    y_key: str = "YLVDT"
    position_scale: float = 1000.0
    name: str = ""
    license: str = ""


@dataclass(frozen=True)
class Wave:
    data: FloatArray  # (points, columns)
    labels: tuple[str, ...]
    note: dict[str, str]


def detect(path: Path) -> bool:
    if path.is_dir():
        return any(path.glob("*.ibw"))
    return path.suffix.lower() == ".ibw"


def read_wave(path: Path) -> Wave:
    """One spectroscopy wave via igor2 (the optional extra [asylum])."""
    try:
        from igor2 import binarywave  # type: ignore[import-untyped]  # noqa: PLC0415
    except ImportError:
        raise DatasetError(
            "reading .ibw needs igor2: pip install 'combi-explorer[asylum]'"
        ) from None
    try:
        wave = binarywave.load(str(path))["wave"]
    except Exception as exc:  # igor2 raises assorted errors on a damaged file
        raise DatasetError(
            f"{path}: not a readable .ibw file ({type(exc).__name__}: {exc})"
        ) from None
    data = np.asarray(wave["wData"], float)
    if data.ndim > 2:
        raise DatasetError(
            f"{path}: a {data.ndim}-D wave {data.shape} is an image frame; read it with "
            "--format scifi (SciFiReaders' IgorIBWReader)"
        )
    data = data.reshape(len(data), -1)
    raw = (wave.get("labels") or [[], []])[1][1:]
    labels = tuple(b.decode("ascii", "replace") for b in raw) or tuple(
        f"trace{k}" for k in range(data.shape[1])
    )
    return Wave(data, labels[: data.shape[1]], _note(bytes(wave.get("note", b""))))


def _note(raw: bytes) -> dict[str, str]:
    out = {}
    for line in raw.decode("latin-1").replace("\r", "\n").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def _positions(
    files: list[Path], waves: list[Wave], opts: Options, src: Path, prov: dict[str, Any]
) -> FloatArray:
    if opts.positions:
        table = read_table(resolve_file(opts.positions, src))
        by_file = {str(f): k for k, f in enumerate(table["file"])} if "file" in table else {}
        missing = [f.name for f in files if f.name not in by_file]
        if missing or opts.x_mm not in table or opts.y_mm not in table:
            raise DatasetError(
                f"positions table needs columns file, {opts.x_mm}, {opts.y_mm} and a row per .ibw "
                f"(missing: {missing[:5]})"
            )
        rows = [by_file[f.name] for f in files]
        prov["positions"] = f"table {Path(opts.positions).name}, columns {opts.x_mm}, {opts.y_mm}"
        return np.column_stack(
            [table[opts.x_mm].to_numpy(float)[rows], table[opts.y_mm].to_numpy(float)[rows]]
        )
    try:
        xy = [[float(w.note[opts.x_key]), float(w.note[opts.y_key])] for w in waves]
    except (KeyError, ValueError):
        raise DatasetError(
            f"the .ibw notes have no numeric {opts.x_key}/{opts.y_key}; give positions=FILE "
            "(columns file, x_mm, y_mm) or x_key/y_key"
        ) from None
    prov["positions"] = (
        f"note keys {opts.x_key}, {opts.y_key} × {opts.position_scale:g} mm per unit"
    )
    return np.asarray(xy) * opts.position_scale


def _channel(waves: list[Wave], opts: Options, prov: dict[str, Any]) -> Channel:
    shapes = {w.data.shape for w in waves}
    if len(shapes) != 1:
        raise DatasetError(f"the .ibw files hold waves of different shapes {sorted(shapes)}")
    labels = waves[0].labels
    stack = np.stack([w.data for w in waves])  # (n, points, columns)
    if opts.axis and opts.axis not in labels:
        raise DatasetError(f"axis={opts.axis!r} is not a column; the columns are {list(labels)}")
    if opts.axis:
        axis_name, axis = safe_name(opts.axis), stack[0, :, labels.index(opts.axis)]
        prov["axis"] = f"column {opts.axis} [{opts.axis_units}] of the first file"
    else:
        axis_name, axis = "point_index", np.arange(stack.shape[1], dtype=float)
        prov["axis"] = "none given: the point index"
    data = {
        safe_name(lab): DataArray(stack[:, :, k], "a.u.", (axis_name,), "as recorded")
        for k, lab in enumerate(labels)
        if lab != opts.axis
    }
    prov["traces"] = ", ".join(data)
    prov["normalisation"] = normalisation_found(
        np.concatenate([a.values for a in data.values()], axis=1)
    )
    return Channel(
        data, {axis_name: Axis(axis, opts.axis_units if opts.axis else "1")}, kind="spectrum"
    )


def convert(path: Path, options: dict[str, OptionValue]) -> LibraryDataset:
    opts = parse_options(Options, options, FORMAT)
    files = sorted(path.glob("*.ibw")) if path.is_dir() else [path]
    if not files:
        raise DatasetError(f"{path}: no .ibw files in the folder")
    waves = [read_wave(f) for f in files]
    prov: dict[str, Any] = {"converter": FORMAT, "files": len(files)}
    pos = _positions(files, waves, opts, path if path.is_file() else path / "x", prov)
    return LibraryDataset(
        name=opts.name or safe_name(path.stem),
        source=f"{'folder' if path.is_dir() else 'file'} {path.name} ({len(files)} .ibw)",
        license=opts.license or "unknown (not stated; set the `license` option)",
        description="Asylum .ibw spectroscopy, one file per location",
        positions_mm=pos,
        features=pos.copy(),
        feature_names=("x_mm", "y_mm"),
        channels={safe_name(opts.channel): _channel(waves, opts, prov)},
        provenance=prov,
    )
