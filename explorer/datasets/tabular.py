"""Reading tables and naming their columns: CSV/TSV (gzip too), Parquet and Excel via pandas.

Shared by the table, matrix and cube importers. Column names become dataset names (scalars,
features, ground truth), which allow only letters, digits and '_'; `safe_name` maps the rest and
every renamed column is reported by the importer (never silently).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from explorer.errors import DatasetError

TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".dat")
#: what `--format auto` takes for a table (plain .txt is too often something else)
AUTO_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq", ".xlsx", ".xlsm", ".xls", ".ods")
TABLE_SUFFIXES = (*TEXT_SUFFIXES, ".parquet", ".pq", ".xlsx", ".xlsm", ".xls", ".ods")


def base_suffix(path: Path) -> str:
    """The suffix that says the format, ignoring a trailing .gz (`a.csv.gz` -> `.csv`)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def read_table(path: Path, *, sheet: str = "") -> Any:
    """A pandas DataFrame of a CSV/TSV (.gz too), Parquet or Excel file; DatasetError if not."""
    import pandas as pd  # noqa: PLC0415

    suffix = base_suffix(path)
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
            return pd.read_excel(path, sheet_name=sheet or 0)
        sep = "\t" if suffix == ".tsv" else None
        return pd.read_csv(path, sep=sep, engine="python", comment="#")
    except ImportError as exc:
        raise DatasetError(
            f"{path}: reading {suffix} needs an optional package ({exc.name or exc}); "
            "install it (Excel: pip install openpyxl) or save the table as CSV"
        ) from None
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DatasetError(f"{path}: not a readable table ({first})") from None


def split_names(value: str | Sequence[str] | None) -> list[str]:
    """`"a, b"` or `["a", "b"]` -> ["a", "b"]; None or "" -> []."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(s).strip() for s in items if str(s).strip()]


def safe_name(column: str) -> str:
    """A dataset name for a column: runs of other characters become '_', a leading digit
    gets a 'c_' prefix (`Loop height (a.u.)` -> `Loop_height_a_u`)."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", str(column)).strip("_")[:64]
    if not name:
        return "column"
    return name if name[0].isalpha() else f"c_{name}"[:64]


def require_columns(df: Any, names: Sequence[str], what: str) -> None:
    missing = [c for c in names if c not in df.columns]
    if missing:
        raise DatasetError(
            f"{what}: no column(s) {missing} in the table; its columns are {list(df.columns)}"
        )


def numeric_column(df: Any, name: str, what: str) -> np.ndarray:
    """Column values as float64; DatasetError naming the first non-numeric row."""
    import pandas as pd  # noqa: PLC0415

    values = pd.to_numeric(df[name], errors="coerce")
    bad = np.flatnonzero(values.isna().to_numpy() & df[name].notna().to_numpy())
    if len(bad):
        row = bad[0]
        raise DatasetError(
            f"{what} column {name!r} is not numeric (row {row}: {df[name].iloc[row]!r})"
        )
    return np.asarray(values.to_numpy(dtype=float, na_value=np.nan))


def parse_units(value: str | dict[str, str] | None) -> dict[str, str]:
    """`"coer=mT, kerr=mrad"` or a dict -> {column: units}."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    out: dict[str, str] = {}
    for item in split_names(value):
        key, sep, unit = item.partition("=")
        if not sep:
            raise DatasetError(f"units entry {item!r} must look like COLUMN=UNIT")
        out[key.strip()] = unit.strip()
    return out
