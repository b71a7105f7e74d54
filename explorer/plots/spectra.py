"""Raw loops / spectra of chosen locations with their fits.

Chosen locations: the best measurement of each objective, members of the final Pareto front
(multi-objective runs), and the most novel measurement when the log carries a novelty score
(`suggested.info["novelty"]` or `measured.scalars["novelty"]`). Arrays come from raw/NNNNNN.npz.
A loop channel (`<ch>.bias_v` + `<ch>.pr_off`/`pr_on`) is refitted with loop model A exactly as
the objectives were computed (last bias cycle, hardware.pfm.loops.fit_loop); any other channel is
drawn as a spectrum: the objective's `quantity` of that channel (else its first 1-D array) against
the axis array of the same length (a name with a unit suffix, or `..._index`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.spectra_figure_data import (
    CurveData,
)
from explorer.plots.style import HIGHLIGHT, PALETTE
from hardware.pfm.loops import branch_directions

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FloatArray = NDArray[np.float64]


def _num(v: float, fmt: str) -> str:
    """Number with a typographic minus sign."""
    return format(v, fmt).replace("-", "\u2212")


def _position(xy_mm: tuple[float, float]) -> str:
    """Stage position for a title: mm on a wafer, µm on a scan grid (sub-mm coordinates)."""
    if max(abs(xy_mm[0]), abs(xy_mm[1])) < 1.0:
        return f"({xy_mm[0] * 1e3:.1f}, {xy_mm[1] * 1e3:.1f}) µm"
    return f"({xy_mm[0]:.2f}, {xy_mm[1]:.2f}) mm"


def draw_curve(c: CurveData, ax: Axes) -> Axes:
    if c.kind == "loop":
        rising = branch_directions(c.x)
        ax.plot(
            c.x[rising],
            c.y[rising],
            "o",
            ms=2.5,
            color=PALETTE[0],
            alpha=0.7,
            label="raw, V rising",
        )
        ax.plot(
            c.x[~rising],
            c.y[~rising],
            "s",
            ms=2.5,
            color=PALETTE[1],
            alpha=0.7,
            label="raw, V falling",
        )
    else:
        ax.plot(c.x, c.y, "-", lw=1.0, color=PALETTE[0], label="raw")
    if c.fit_x is not None and c.fit_forward is not None and c.fit_reverse is not None:
        ax.plot(c.fit_x, c.fit_forward, "-", color=PALETTE[0], lw=1.2)
        ax.plot(c.fit_x, c.fit_reverse, "-", color=PALETTE[1], lw=1.2)
        for key in ("vc_plus_v", "vc_minus_v"):
            ax.axvline(c.fit[key], color=HIGHLIGHT, lw=0.6, ls="--")
    ax.set_xlabel(c.x_label)
    ax.set_ylabel(c.y_label)
    title = (
        f"{', '.join(c.reasons)}\nmeasurement {c.number} · location {c.location_id}\n"
        f"{_position(c.xy_mm)}"
    )
    if c.fit:
        title += (
            f", fit R² {c.fit['r2']:.2f}\nVc⁺ {_num(c.fit['vc_plus_v'], '.2f')}, "
            f"Vc⁻ {_num(c.fit['vc_minus_v'], '.2f')} V"
        )
    ax.set_title(title, fontsize=7.5)
    return ax
