"""Posterior mean, std and acquisition of a run's model drawn over the library (maps for 2-D
inputs, profiles for one composition axis), from `explorer.analysis.posterior.PosteriorMaps`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.analysis.colour_range import robust_range
from explorer.analysis.geometry import LibraryGeometry, grid_raster
from explorer.analysis.posterior import FloatArray, PosteriorMaps
from explorer.plots.maps import draw_outline
from explorer.plots.style import ACQ_CMAP, HIGHLIGHT, PALETTE, STD_CMAP, VALUE_CMAP

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def field_label(d: PosteriorMaps, which: str) -> str:
    if which == "mean":
        return f"posterior mean of {d.label}"
    if which == "std":
        return f"posterior std of {d.label}"
    name = {"ucb": "UCB", "ei": "EI", "log_ei": "log EI", "pi": "PI", "log_ehvi": "log EHVI"}.get(
        d.acquisition_name, d.acquisition_name.replace("_", " ")
    )
    return f"{name} (standardised units)"


def draw_field(
    geometry: LibraryGeometry, values: FloatArray, ax: Axes, *, cmap: str, label: str
) -> Axes:
    """A scalar field over the library: cells of the grid (or triangles if not a grid), on a
    robust colour range (explorer.analysis.colour_range; the colour bar's arrows say that
    values beyond it exist and are drawn in the end colour)."""
    from matplotlib.colors import Normalize  # noqa: PLC0415

    draw_outline(geometry, ax, candidates=False)
    v = np.where(np.isfinite(values), values, np.nan)
    r = robust_range(v)
    norm = Normalize(r.vmin, r.vmax)
    raster = grid_raster(geometry.positions_mm, v)
    if raster is not None:
        xe, ye, grid = raster
        art: Any = ax.pcolormesh(
            xe, ye, np.ma.masked_invalid(grid), cmap=cmap, norm=norm, shading="flat"
        )
    else:
        p = geometry.positions_mm
        art = ax.tripcolor(p[:, 0], p[:, 1], v, cmap=cmap, norm=norm, shading="gouraud")
    ax.figure.colorbar(
        art,
        ax=ax,
        label=label,
        location="bottom",
        shrink=0.85,
        pad=0.02,
        aspect=25,
        extend=r.extend,
    )
    return ax


def feature_label(name: str) -> str:
    """'Sm' -> 'Sm fraction', 'x_mm' -> 'x (mm)'."""
    if name.endswith("_mm"):
        return f"{name[:-3]} (mm)"
    return f"{name} fraction"


def _profile(d: PosteriorMaps, values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Unique 1-D feature values and the field there (locations sharing a feature agree)."""
    x = d.features[:, 0]
    ux, first = np.unique(x, return_index=True)
    return ux, values[first]


def _when(d: PosteriorMaps) -> str:
    if d.step is None:
        return f"after {d.n_observed} measurements"
    return f"for measurement {d.step + 1} ({d.n_observed} data)"


def draw_posterior_profile(d: PosteriorMaps, ax: Axes) -> Axes:
    """1-D model input (a binary composition spread): mean ± 2 std, data and the choice."""
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    x, mu = _profile(d, d.mean)
    _, lo = _profile(d, d.lower)
    _, hi = _profile(d, d.upper)
    ax.fill_between(x, lo, hi, color=PALETTE[5], alpha=0.3, lw=0, label="95 % band")
    ax.plot(x, mu, color=PALETTE[0], lw=1.3, label="posterior mean")
    ok = np.isfinite(d.observed_values)
    ax.plot(d.observed_features[ok, 0], d.observed_values[ok], "o", ms=3.2, color="k", label="data")
    c = d.chosen_feature
    if c is not None:
        ax.axvline(float(c[0]), color=HIGHLIGHT, lw=1.0, ls="--", label="logged choice")
    ax.set_xlabel(feature_label(d.feature_names[0]))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))  # fractions have long tick labels
    ax.set_ylabel(d.label)
    ax.set_title(f"posterior, {_when(d)}", fontsize=8)
    return ax


#: log-scale acquisitions are shown down to this many units below their maximum (log-EI/-EHVI
#: fall to -1000 far from anything promising, which would flatten the useful range)
LOG_ACQ_RANGE = 20.0


def shown(d: PosteriorMaps, which: str) -> FloatArray:
    """The field as drawn: log-scale acquisitions clipped to LOG_ACQ_RANGE below the top."""
    v = d.values(which)
    if which == "acquisition" and d.acquisition_name.startswith("log"):
        top = float(np.nanmax(np.where(np.isfinite(v), v, np.nan)))
        v = np.maximum(v, top - LOG_ACQ_RANGE)
    return v


def draw_acquisition_profile(d: PosteriorMaps, ax: Axes) -> Axes:
    """1-D model input: the acquisition over the composition axis and the logged choice."""
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    x, a = _profile(d, shown(d, "acquisition"))
    ax.plot(x, a, color=PALETTE[4], lw=1.3)
    c = d.chosen_feature
    if c is not None:
        ax.axvline(float(c[0]), color=HIGHLIGHT, lw=1.0, ls="--")
    ax.set_xlabel(feature_label(d.feature_names[0]))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.set_ylabel(field_label(d, "acquisition"))
    ax.set_title(f"acquisition, {_when(d)}", fontsize=8)
    return ax


def draw_posterior(d: PosteriorMaps, ax: Axes, which: str = "mean") -> Axes:
    """One of the three maps (`which` in FIELDS) with the data and the logged choice."""
    cmap = {"mean": VALUE_CMAP, "std": STD_CMAP, "acquisition": ACQ_CMAP}[which]
    draw_field(d.geometry, shown(d, which), ax, cmap=cmap, label=field_label(d, which))
    o = d.observed_xy_mm
    ax.scatter(o[:, 0], o[:, 1], s=9, c="w", edgecolors="k", lw=0.5, zorder=3)
    if d.chosen_xy_mm is not None:
        ax.scatter(
            *d.chosen_xy_mm, marker="*", s=120, c=HIGHLIGHT, edgecolors="w", lw=0.6, zorder=4
        )
    short = {"mean": "mean", "std": "std", "acquisition": "acq."}[which]
    ax.set_title(f"{short}, {_when(d)}", fontsize=7.5)
    return ax
