"""Spectra in a text matrix + a table of their locations -> LibraryDataset (`--format matrix`).

The matrix (CSV/TSV/whitespace text, .gz too) holds one spectrum per row with the axis as its
first row (`axis_in=first_row`, e.g. XRD patterns under a 2θ row), or one spectrum per column
with the axis as its first column (`axis_in=first_column`). With `ids=true` the first entry of
each spectrum (first cell of its row / column) is its id and the corner cell is ignored. The
table (`table=FILE`, read like `--format table`, with all its options) gives the locations;
spectra are joined to its rows by row order (`join=row`, the default: spectrum k belongs to
table row k, before `where`) or by an id column (`join=COLUMN`: the table column that holds the
spectrum ids; it also becomes the location id).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.datasets import table
from explorer.datasets.arrays import normalisation_found, resolve_file
from explorer.datasets.common import FloatArray, OptionValue, parse_options, sha256_of
from explorer.errors import DatasetError
from hardware.replay import Axis, Channel, DataArray, LibraryDataset

FORMAT = "matrix"


@dataclass(frozen=True)
class Spectra:
    """How the spectra are stored in the dataset (shared with the cube importer)."""

    channel: str = "spectra"
    quantity: str = "signal"
    units: str = "a.u."
    axis_name: str = "axis"
    axis_units: str = "1"
    kind: str = "spectrum"


@dataclass(frozen=True)
class Options(table.Options):
    table: str = ""
    join: str = "row"
    axis_in: str = "first_row"
    ids: bool = False
    channel: str = "spectra"
    quantity: str = "signal"
    spectrum_units: str = "a.u."
    axis_name: str = "axis"
    axis_units: str = "1"
    kind: str = "spectrum"


def detect_never(path: Path) -> bool:
    """A matrix needs its table (an option), so it is never chosen automatically."""
    del path
    return False


def read_matrix(path: Path, axis_in: str, ids: bool) -> tuple[FloatArray, FloatArray, Any]:
    """(axis (L,), spectra (n, L), ids (n,) or None) of a text matrix."""
    import pandas as pd  # noqa: PLC0415

    try:
        raw = pd.read_csv(path, header=None, sep=None, engine="python", comment="#")
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DatasetError(f"{path}: not a readable text matrix ({exc})") from None
    grid = raw.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if axis_in == "first_column":
        grid = grid.T
    elif axis_in != "first_row":
        raise DatasetError(f"axis_in={axis_in!r} must be first_row or first_column")
    skip = 1 if ids else 0
    axis, spectra = grid[0, skip:], grid[1:, skip:]
    spectrum_ids = grid[1:, 0] if ids else None
    if not np.isfinite(grid[0, skip:]).all():
        raise DatasetError(f"{path}: the axis ({axis_in}) holds non-numeric cells")
    if spectra.shape[0] == 0:
        raise DatasetError(f"{path}: the matrix holds an axis but no spectra")
    return axis, spectra, spectrum_ids


def _joined(rows: table.TableRows, spectra: FloatArray, join: str, ids: Any) -> FloatArray:
    if join == "row":
        n_read = int(rows.dataset.provenance["rows_read"])
        if len(spectra) != n_read:
            raise DatasetError(
                f"join=row: {len(spectra)} spectra but the table has {n_read} rows; give the "
                "same number or join by an id column (join=COLUMN, ids=true)"
            )
        return spectra[rows.kept_rows]
    if ids is None:
        raise DatasetError(f"join={join!r} needs the spectra's ids: set ids=true")
    index = {int(v): k for k, v in enumerate(ids)}
    missing = [int(i) for i in rows.dataset.ids if int(i) not in index]
    if missing:
        raise DatasetError(f"join={join!r}: table ids {missing[:8]} have no spectrum")
    return spectra[[index[int(i)] for i in rows.dataset.ids]]


def attach_spectra(
    ds: LibraryDataset, spectra: FloatArray, axis: FloatArray, how: Spectra, notes: dict[str, Any]
) -> LibraryDataset:
    """The dataset with one channel of spectra (n, L) over `axis` added, and notes recorded."""
    if spectra.shape != (len(ds), len(axis)):
        raise DatasetError(
            f"spectra of shape {spectra.shape} do not match {len(ds)} locations × {len(axis)} "
            "axis points"
        )
    channel = Channel(
        {how.quantity: DataArray(spectra, how.units, (how.axis_name,), "as recorded")},
        {how.axis_name: Axis(axis, how.axis_units)},
        kind=how.kind,
    )
    prov = {
        **ds.provenance,
        **notes,
        "channel": f"{how.channel}.{how.quantity} [{how.units}] over "
        f"{how.axis_name} [{how.axis_units}]",
        "normalisation": normalisation_found(spectra),
    }
    return dataclasses.replace(ds, channels={how.channel: channel}, provenance=prov)


def from_matrix(
    spectra: FloatArray,
    axis: FloatArray,
    df: Any,
    *,
    join: str = "row",
    spectrum_ids: Any = None,
    spectra_as: Spectra | None = None,
    **table_options: Any,
) -> LibraryDataset:
    """A replayable LibraryDataset from spectra (n, L) over `axis` (L,) and a table of their
    locations; `table_options` are the keyword arguments of `from_table`."""
    spectra = np.asarray(spectra, float)
    if join != "row":
        table_options.setdefault("id", join)
    ds = table.from_table(df, **table_options)
    rows = table.TableRows(ds, _rows_kept(df, table_options.get("where")))
    joined = _joined(rows, spectra, join, spectrum_ids)
    return attach_spectra(
        ds, joined, np.asarray(axis, float), spectra_as or Spectra(), {"join": join}
    )


def _rows_kept(df: Any, where: str | None) -> np.ndarray:
    if not where:
        return np.arange(len(df))
    return np.flatnonzero(np.asarray(df.eval(where), dtype=bool))


def table_options(opts: table.Options) -> table.Options:
    """The plain table options inside a matrix/cube options object."""
    names = {f.name for f in dataclasses.fields(table.Options)}
    return table.Options(**{k: v for k, v in opts.__dict__.items() if k in names})


def convert(path: Path, options: dict[str, OptionValue]) -> LibraryDataset:
    opts = parse_options(Options, options, FORMAT)
    if not opts.table:
        raise DatasetError("--format matrix needs the locations: --set table=FILE (a CSV, ...)")
    table_path = resolve_file(opts.table, path)
    axis, spectra, ids = read_matrix(path, opts.axis_in, opts.ids)
    topts = table_options(opts)
    if opts.join != "row" and not topts.id:
        topts = dataclasses.replace(topts, id=opts.join)
    if not topts.name:
        topts = dataclasses.replace(topts, name=path.name.split(".")[0])
    digest = sha256_of(path)
    source = f"file {path.name} (sha256 {digest[:12]}…) with table {table_path.name}"
    prov: table.Provenance = {"source_sha256": digest, "table_sha256": sha256_of(table_path)}
    rows = table.build(
        table.read_table(table_path, sheet=opts.sheet), topts, source=source, prov=prov
    )
    joined = _joined(rows, spectra, opts.join, ids)
    how = Spectra(
        opts.channel, opts.quantity, opts.spectrum_units, opts.axis_name, opts.axis_units, opts.kind
    )
    notes = {
        "converter": FORMAT,
        "join": opts.join,
        "axis": f"{opts.axis_in} of {path.name}: {len(axis)} points {axis[0]:.6g} … {axis[-1]:.6g}",
        "points_kept": f"all {len(axis)}",
    }
    return attach_spectra(rows.dataset, joined, axis, how, notes)
