"""draw_median_bands: one labelled line and one shaded band per MedianBand."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from explorer.analysis.bands import MedianBand
from explorer.plots.band_figures import draw_median_bands


def test_lines_bands_colours_and_run_counts_in_the_legend() -> None:
    runs = np.array([[1.0, 2.0], [3.0, np.nan]])
    a, b = MedianBand.of_runs(runs, "a"), MedianBand.of_runs(runs + 1, "b")
    fig, ax = plt.subplots()
    draw_median_bands(ax, [a, b], {"b": "#123456"}, stairs=True)
    assert [t.get_label() for t in ax.lines] == ["a (n = 2)", "b (n = 2)"]
    assert ax.lines[1].get_color() == "#123456" and len(ax.collections) == 2
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [2.0, 2.0])
    plt.close(fig)
