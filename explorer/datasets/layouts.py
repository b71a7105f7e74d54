"""Stage positions for composition spreads whose files hold compositions but no coordinates.

Two layouts, the ones the shipped converters use:

* binary (one composition column, or two that are normalised to sum 1 and the first is used):
  the sites lie on a line along x, x_mm = length_mm · (f − f_min) / (f_max − f_min), y_mm = 0,
  like the SmBFO loop-height profile (Sm fraction ∝ position along an 8 mm spread);
* ternary (three columns, normalised to sum 1): the equilateral-triangle layout of a ternary
  spread, first component's corner at (0, 0), second at (side_mm, 0), third at
  (side_mm/2, side_mm·√3/2), each site at the barycentric point of its composition (as the
  Fe-Co-Ni converter places the NIST spread).
"""

from __future__ import annotations

import numpy as np

from explorer.datasets.common import FloatArray
from explorer.errors import DatasetError


def triangle_positions(fractions: FloatArray, side_mm: float) -> FloatArray:
    """(n, 3) fractions summing to 1 -> (n, 2) positions in the equilateral triangle layout."""
    corners = np.array([[0.0, 0.0], [side_mm, 0.0], [0.5 * side_mm, side_mm * np.sqrt(3) / 2]])
    return np.asarray(fractions @ corners)


def normalised(values: FloatArray, names: list[str]) -> FloatArray:
    """Rows scaled to sum 1 (at.% or fractions alike); DatasetError on a non-positive sum."""
    sums = values.sum(axis=1, keepdims=True)
    bad = np.flatnonzero(~(sums[:, 0] > 0))
    if len(bad):
        raise DatasetError(
            f"composition {names}: row(s) {bad[:5].tolist()} do not sum to a positive value"
        )
    return np.asarray(values / sums)


def line_positions(fraction: FloatArray, length_mm: float) -> FloatArray:
    """(n,) fractions -> (n, 2) positions on a line of `length_mm` along x (binary layout)."""
    lo, hi = float(np.min(fraction)), float(np.max(fraction))
    if not hi > lo:
        raise DatasetError(
            "binary composition: every row has the same fraction; nothing to lay out"
        )
    x = length_mm * (fraction - lo) / (hi - lo)
    return np.column_stack([x, np.zeros(len(x))])


def composition_positions(
    values: FloatArray, names: list[str], *, layout: str, length_mm: float, side_mm: float
) -> tuple[FloatArray, FloatArray, str]:
    """(positions (n, 2), features (n, k), a line saying how they were placed)."""
    k = values.shape[1]
    chosen = layout if layout != "auto" else {1: "binary", 2: "binary", 3: "ternary"}.get(k, "")
    if chosen == "ternary" and k == 3:
        fractions = normalised(values, names)
        text = (
            f"ternary triangle of side {side_mm:g} mm: {names[0]} (0, 0), {names[1]} "
            f"({side_mm:g}, 0), {names[2]} ({side_mm / 2:g}, {side_mm * np.sqrt(3) / 2:.4g})"
        )
        return triangle_positions(fractions, side_mm), fractions, text
    if chosen == "binary" and k in (1, 2):
        feats = values if k == 1 else normalised(values, names)
        pos = line_positions(feats[:, 0], length_mm)
        text = f"binary line along x of {length_mm:g} mm by {names[0]} (min at 0, max at end)"
        return pos, feats, text
    raise DatasetError(
        f"composition {names} with layout {layout!r}: use 1-2 columns (binary) or 3 (ternary), "
        "or give x_mm and y_mm position columns instead"
    )
