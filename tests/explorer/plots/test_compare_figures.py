"""Compare figure: rendered without overlapping text."""

from __future__ import annotations

from pathlib import Path

from explorer.analysis.run_compare import compare_runs
from explorer.plots.compare_figures import compare_figure, compare_panels
from explorer.plots.figures import Rendered, RenderResult
from tests.explorer.plots.test_figures import assert_no_overlaps


def test_compare_figure_renders_without_overlaps(replay_runs: list[Path]) -> None:
    c = compare_runs(replay_runs)
    panels = compare_panels(c)
    assert [(p.metric, p.objective) for p in panels] == [
        ("best_so_far", "coercivity"),
        ("best_so_far", "kerr"),
        ("hypervolume", ""),
        ("classes_found", "class_label"),
        ("stage_travel", ""),
    ]
    assert all(len(p.bands) == 2 for p in panels)
    fig = compare_figure(c)
    assert_no_overlaps(RenderResult([Rendered("compare", "", fig)]))
