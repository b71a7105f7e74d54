"""histogram_edges: the paper's range in whole bins, extended by whole bins to cover outliers."""

from __future__ import annotations

import numpy as np

from explorer.analysis.histograms import histogram_edges


def test_values_inside_the_range_keep_the_range() -> None:
    edges = histogram_edges(np.array([0.2, 0.5, 0.9]), 0.0, 1.0, 0.25)
    np.testing.assert_allclose(edges, [0.0, 0.25, 0.5, 0.75, 1.0])


def test_outliers_extend_the_range_by_whole_bins() -> None:
    values = np.array([-0.3, 0.5, 1.6])
    edges = histogram_edges(values, 0.0, 1.0, 0.25)
    assert edges[0] == -0.5 and edges[-1] == 1.75
    np.testing.assert_allclose(np.diff(edges), 0.25)
    counts, _ = np.histogram(values, edges)
    assert counts.sum() == 3


def test_no_values_give_the_plain_range() -> None:
    np.testing.assert_allclose(histogram_edges(np.array([]), 1.0, 2.0, 0.5), [1.0, 1.5, 2.0])
