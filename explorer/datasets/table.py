"""Any table of library locations -> LibraryDataset (`--format table`, `from_table`).

One row per location. Positions come from two columns (`x_mm`, `y_mm`, multiplied by
`position_scale`, e.g. 0.001 for µm or the pixel size in mm for pixel coordinates) or from
composition columns laid out as a binary line or a ternary triangle (explorer.datasets.layouts).
`scalars` are served to the campaign (`from: scalar`); a `<name>_std` column becomes that
scalar's per-location std. `labels` columns (integers or strings) become ground truth with
categories: never served, used to score discovered classes. `where` filters rows first (a pandas
query such as `area_id == 2`), `id` names the location-id column. Every choice the importer made
(rows kept, columns used, renamed or ignored) is in the dataset's provenance, which `dataset
convert` prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.datasets.common import FloatArray, OptionValue, parse_options, sha256_of
from explorer.datasets.layouts import composition_positions
from explorer.datasets.tabular import (
    AUTO_SUFFIXES,
    base_suffix,
    numeric_column,
    parse_units,
    read_table,
    require_columns,
    safe_name,
    split_names,
)
from explorer.errors import DatasetError
from hardware.replay import DataArray, LibraryDataset

FORMAT = "table"
Names = str | Sequence[str] | None
Provenance = dict[str, str | float | int | bool]


@dataclass(frozen=True)
class Options:
    """`--set` options of `--format table`: the keyword arguments of `from_table`, plus the
    file-level `sheet` (Excel) and `name`/`license`/`description` of the dataset."""

    x_mm: str = ""
    y_mm: str = ""
    position_scale: float = 1.0
    composition: str = ""
    layout: str = "auto"
    length_mm: float = 8.0
    side_mm: float = 40.0
    features: str = ""
    scalars: str = ""
    labels: str = ""
    where: str = ""
    id: str = ""
    units: str = ""
    sheet: str = ""
    name: str = ""
    license: str = ""
    description: str = ""


@dataclass(frozen=True)
class TableRows:
    """A table imported as a dataset, and which rows of the input (0-based) it kept."""

    dataset: LibraryDataset
    kept_rows: np.ndarray


def detect(path: Path) -> bool:
    return base_suffix(path) in AUTO_SUFFIXES


def _filter(df: Any, where: str, prov: Provenance) -> tuple[Any, np.ndarray]:
    rows = np.arange(len(df))
    prov["rows_read"] = len(df)
    if where:
        try:
            mask = np.asarray(df.eval(where), dtype=bool)
        except Exception as exc:  # pandas raises many types for a bad expression
            raise DatasetError(
                f"where={where!r} is not a valid row filter ({type(exc).__name__}: {exc}); "
                f"write it like `area_id == 2` with columns {list(df.columns)}"
            ) from None
        if mask.shape != (len(df),):
            raise DatasetError(f"where={where!r} must give one true/false per row")
        df, rows = df[mask], rows[mask]
        prov["where"] = where
    if not len(df):
        raise DatasetError(f"no rows left (where={where!r}); check the filter")
    prov["rows_kept"] = len(df)
    return df.reset_index(drop=True), rows


def _positions(
    df: Any, opts: Options, prov: Provenance
) -> tuple[FloatArray, FloatArray, list[str], list[str]]:
    """(positions, default features, their names, columns used)."""
    comp = split_names(opts.composition)
    x, y = opts.x_mm, opts.y_mm
    if not comp and not x and not y and {"x_mm", "y_mm"} <= set(df.columns):
        x, y = "x_mm", "y_mm"
    if comp and (x or y):
        raise DatasetError("give either x_mm/y_mm position columns or composition, not both")
    if comp:
        require_columns(df, comp, "composition")
        values = np.column_stack([numeric_column(df, c, "composition") for c in comp])
        pos, feats, text = composition_positions(
            values, comp, layout=opts.layout, length_mm=opts.length_mm, side_mm=opts.side_mm
        )
        prov["positions"] = text
        return pos, feats, [safe_name(c) for c in comp], comp
    if not (x and y):
        raise DatasetError(
            "the table needs positions: set x_mm=COLUMN and y_mm=COLUMN (with position_scale "
            "for pixels or µm) or composition=COL1,COL2,COL3; columns: " + str(list(df.columns))
        )
    require_columns(df, [x, y], "positions")
    if not opts.position_scale > 0:
        raise DatasetError(f"position_scale={opts.position_scale} must be > 0")
    pos = np.column_stack([numeric_column(df, c, "position") for c in (x, y)])
    pos = pos * opts.position_scale
    prov["positions"] = f"columns {x}, {y} × {opts.position_scale:g} mm per unit"
    return pos, pos.copy(), ["x_mm", "y_mm"], [x, y]


def check_unique_positions(df: Any, pos: FloatArray) -> None:
    """DatasetError naming the rows that share a position and the columns that tell them apart."""
    bad = np.flatnonzero(~np.isfinite(pos).all(axis=1))
    if len(bad):
        raise DatasetError(f"row(s) {bad[:8].tolist()} have no position (empty or NaN); drop them")
    _, inverse, counts = np.unique(
        np.round(pos, 9), axis=0, return_inverse=True, return_counts=True
    )
    dup_groups = np.flatnonzero(counts > 1)
    if not len(dup_groups):
        return
    first = np.flatnonzero(inverse.ravel() == dup_groups[0])
    sub = df.iloc[first]
    differ = [c for c in df.columns if sub[c].nunique(dropna=False) > 1]
    differ.sort(key=lambda c: (df[c].dtype.kind == "f", df[c].nunique()))  # area-like first
    hint = ""
    if differ:
        value = sub[differ[0]].iloc[0]
        example = f"{differ[0]} == {getattr(value, 'item', lambda: value)()!r}"
        hint = f'; these rows differ in {differ[:4]}, e.g. --set where="{example}"'
    raise DatasetError(
        f"{int((counts[dup_groups]).sum())} rows share {len(dup_groups)} position(s), e.g. rows "
        f"{first[:6].tolist()} at {pos[first[0]].round(6).tolist()} mm; keep one row per position "
        f"with `where`{hint}"
    )


def _units_for(units: dict[str, str], column: str) -> str:
    return units.get(column, "a.u.")


def _scalars(
    df: Any, opts: Options, used: set[str], prov: Provenance
) -> tuple[dict[str, DataArray], list[str]]:
    units = parse_units(opts.units)
    named = split_names(opts.scalars)
    numeric = [c for c in df.columns if c not in used and df[c].dtype.kind in "biuf"]
    if named:
        require_columns(df, named, "scalars")
    else:
        named = [c for c in numeric if not (str(c).endswith("_std") and str(c)[:-4] in df)]
        prov["scalars_default"] = "every numeric column not used otherwise"
    out: dict[str, DataArray] = {}
    taken = set(named)
    for col in named:
        std_col = f"{col}_std"
        std = safe_name(std_col) if std_col in df.columns else None
        out[safe_name(col)] = DataArray(
            numeric_column(df, col, "scalar"), _units_for(units, col), std=std
        )
        if std is not None:
            out[std] = DataArray(numeric_column(df, std_col, "std"), _units_for(units, col))
            taken.add(std_col)
    prov["scalars"] = ", ".join(out)
    return out, sorted(taken)


def label_array(values: Any, column: str) -> tuple[DataArray, str]:
    """Codes 0..k-1 of a class column with its k categories in sorted order (numbers sort as
    numbers: labels 0, 1, 2, 4 become categories '0', '1', '2', '4', no placeholder)."""
    import pandas as pd  # noqa: PLC0415

    series = pd.Series(values)
    if series.isna().any():
        row = int(np.flatnonzero(series.isna().to_numpy())[0])
        raise DatasetError(f"labels column {column!r} is empty at row {row}; every row needs one")
    numeric = pd.to_numeric(series, errors="coerce")
    if not numeric.isna().any():
        series = numeric
        cats = sorted(series.unique().tolist())
        names = [str(int(c)) if float(c).is_integer() else str(c) for c in cats]
    else:
        cats = sorted(series.astype(str).unique().tolist())
        series, names = series.astype(str), list(cats)
    codes = series.map({c: k for k, c in enumerate(cats)}).to_numpy(dtype=float)
    counts = ", ".join(f"{n}: {int((codes == k).sum())}" for k, n in enumerate(names))
    arr = DataArray(
        codes, "1", description=f"class labels from column {column}", categories=tuple(names)
    )
    return arr, counts


def _labels(df: Any, opts: Options, prov: Provenance) -> dict[str, DataArray]:
    cols = split_names(opts.labels)
    require_columns(df, cols, "labels")
    out = {}
    for col in cols:
        arr, counts = label_array(df[col].to_numpy(), col)
        out[safe_name(col)] = arr
        prov[f"labels_{safe_name(col)}"] = counts
    return out


def _ids(df: Any, column: str, prov: Provenance) -> np.ndarray | None:
    if not column:
        return None
    require_columns(df, [column], "id")
    ids = numeric_column(df, column, "id")
    if not np.all(np.isfinite(ids) & (ids == np.round(ids)) & (ids >= 0)):
        raise DatasetError(f"id column {column!r} must hold non-negative integers")
    if len(np.unique(ids)) != len(ids):
        raise DatasetError(f"id column {column!r} repeats ids; filter rows with `where`")
    prov["ids"] = f"column {column}"
    return ids.astype(np.int64)


def _features(
    df: Any, opts: Options, default: tuple[FloatArray, list[str]], prov: Provenance
) -> tuple[FloatArray, list[str]]:
    cols = split_names(opts.features)
    if not cols:
        prov["features"] = ", ".join(default[1]) + " (default)"
        return default
    require_columns(df, cols, "features")
    prov["features"] = ", ".join(cols)
    return np.column_stack([numeric_column(df, c, "feature") for c in cols]), [
        safe_name(c) for c in cols
    ]


def _renamed(columns: list[str]) -> str:
    return ", ".join(f"{c!r} -> {safe_name(c)}" for c in columns if safe_name(c) != c)


def build(df: Any, opts: Options, *, source: str, prov: Provenance | None = None) -> TableRows:
    """The dataset of a table and the input rows it kept (see module docstring)."""
    prov = {"converter": FORMAT, **(prov or {})}
    df, kept = _filter(df, opts.where, prov)
    pos, feats, feat_names, pos_cols = _positions(df, opts, prov)
    check_unique_positions(df, pos)
    features, names = _features(df, opts, (feats, feat_names), prov)
    labels = _labels(df, opts, prov)
    used = {
        *pos_cols,
        *split_names(opts.labels),
        *split_names(opts.features),
        *([opts.id] if opts.id else []),
    }
    scalars, scalar_cols = _scalars(df, opts, used, prov)
    ignored = [c for c in df.columns if c not in used | set(scalar_cols)]
    if ignored:
        prov["ignored_columns"] = ", ".join(map(str, ignored))
    renamed = _renamed(
        [*pos_cols, *scalar_cols, *split_names(opts.labels), *split_names(opts.features)]
    )
    if renamed:
        prov["renamed"] = renamed
    ds = LibraryDataset(
        name=opts.name or "table",
        source=source,
        license=opts.license or "unknown (not stated; set the `license` option)",
        description=opts.description or "library table imported with --format table",
        positions_mm=pos,
        features=features,
        feature_names=tuple(names),
        location_ids=_ids(df, opts.id, prov),
        scalars=scalars,
        ground_truth=labels,
        provenance=prov,
    )
    return TableRows(ds, kept)


def from_table(
    df: Any,
    *,
    x_mm: str | None = None,
    y_mm: str | None = None,
    position_scale: float = 1.0,
    composition: Names = None,
    layout: str = "auto",
    length_mm: float = 8.0,
    side_mm: float = 40.0,
    features: Names = None,
    scalars: Names = None,
    labels: Names = None,
    where: str | None = None,
    id: str | None = None,
    units: str | dict[str, str] | None = None,
    name: str = "table",
    source: str = "a pandas DataFrame",
    license: str = "",
    description: str = "",
) -> LibraryDataset:
    """A replayable LibraryDataset from a pandas DataFrame (one row per location; see the
    module docstring and docs/datasets.md). The keyword arguments are the `--set` options
    of `explorer dataset convert FILE OUT.h5 --format table`."""
    unit_text = ", ".join(f"{k}={v}" for k, v in parse_units(units).items())
    opts = Options(
        x_mm=x_mm or "",
        y_mm=y_mm or "",
        position_scale=position_scale,
        composition=",".join(split_names(composition)),
        layout=layout,
        length_mm=length_mm,
        side_mm=side_mm,
        features=",".join(split_names(features)),
        scalars=",".join(split_names(scalars)),
        labels=",".join(split_names(labels)),
        where=where or "",
        id=id or "",
        units=unit_text,
        name=name,
        license=license,
        description=description,
    )
    return build(df, opts, source=source).dataset


def convert(path: Path, options: dict[str, OptionValue]) -> LibraryDataset:
    opts = parse_options(Options, options, FORMAT)
    df = read_table(path, sheet=opts.sheet)
    digest = sha256_of(path)
    source = f"file {path.name} (sha256 {digest[:12]}…)"
    opts = (
        opts
        if opts.name
        else Options(**{**opts.__dict__, "name": safe_name(path.name.split(".")[0])})
    )
    return build(df, opts, source=source, prov={"source_sha256": digest}).dataset
