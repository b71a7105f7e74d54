"""Drawing `explorer.analysis.bands.MedianBand`s: a median line and a shaded interquartile band
each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from explorer.analysis.bands import MedianBand
from explorer.plots.style import PALETTE

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def draw_median_bands(
    ax: Axes,
    bands: Sequence[MedianBand],
    colours: Mapping[str, str] | None = None,
    *,
    stairs: bool = False,
) -> Axes:
    """One line per band, labelled '<label> (n = <most runs>)'; `stairs` draws the median as a
    post-step function (best-so-far curves change only at measurements)."""
    for k, b in enumerate(bands):
        colour = (colours or {}).get(b.label, PALETTE[k % len(PALETTE)])
        n = int(b.n_runs.max()) if len(b.n_runs) else 0
        label = f"{b.label} (n = {n})"
        if stairs:
            ax.fill_between(b.step, b.q25, b.q75, color=colour, alpha=0.2, lw=0, step="post")
            ax.step(b.step, b.median, where="post", color=colour, lw=1.5, label=label)
        else:
            ax.fill_between(b.step, b.q25, b.q75, color=colour, alpha=0.2, lw=0)
            ax.plot(b.step, b.median, color=colour, lw=1.5, label=label)
    return ax
