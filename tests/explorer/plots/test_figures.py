"""Every figure rendered once (Agg, in memory) for a single-objective, a two-objective, a
ternary, a replay and a synthetic multi-objective run; vector output; no overlapping labels."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from explorer.analysis.rundata import RunData
from explorer.plots.figures import RenderResult, render, write

EXPECTED = {
    "so_run": {"map_loop_height", "traces", "posterior", "spectra", "time_budget"},
    "mo_run": {
        "map_loop_height",
        "map_coercive_bias",
        "traces",
        "pareto",
        "spectra",
        "time_budget",
    },
    "ternary_run": {
        "map_loop_height",
        "traces",
        "posterior",
        "ternary_loop_height",
        "spectra",
        "time_budget",
    },
    "replay_run": {
        "map_kerr",
        "map_coercivity",
        "traces",
        "pareto",
        "ternary_kerr",
        "ternary_coercivity",
        "spectra",
        "time_budget",
    },
    "synthetic_run": {
        "map_loop_height",
        "map_coercive_bias",
        "traces",
        "pareto",
        "spectra",
        "time_budget",
    },
}


def _text_boxes(fig) -> list[tuple[int, str, object]]:  # type: ignore[no-untyped-def]
    """(axes index, text, window extent) of titles, axis labels and tick labels."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    out = []
    for k, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        texts = [ax.title, ax.xaxis.label, ax.yaxis.label]
        texts += _drawn_ticklabels(ax.get_xticks(), ax.get_xticklabels(), ax.get_xlim())
        texts += _drawn_ticklabels(ax.get_yticks(), ax.get_yticklabels(), ax.get_ylim())
        out += [
            (k, t.get_text(), t.get_window_extent(renderer))
            for t in texts
            if t.get_text() and t.get_visible()
        ]
    return out


def _drawn_ticklabels(locs, labels, lim) -> list:  # type: ignore[no-untyped-def]
    """Tick labels inside the view limits (matplotlib keeps undrawn ones beyond them)."""
    lo, hi = sorted(lim)
    tol = 1e-9 * max(abs(hi - lo), 1.0)
    return [t for x, t in zip(locs, labels, strict=False) if lo - tol <= x <= hi + tol]


def assert_no_overlaps(result: RenderResult) -> None:
    """No title/label/tick label of one axes overlaps a text of another axes (colourbars are
    axes too), and the tick labels of one axis do not overlap each other. Drawn as when saving:
    inside the style's rc context (tick density follows the rc font sizes), at the report's
    resolution."""
    from explorer.plots.style import rc_context

    with rc_context():
        _assert_no_overlaps(result, 150)


def _assert_no_overlaps(result: RenderResult, dpi: float) -> None:
    for r in result.figures:
        r.figure.set_dpi(dpi)
        boxes = _text_boxes(r.figure)
        for (ka, ta, ba), (kb, tb, bb) in itertools.combinations(boxes, 2):
            if ka != kb and ba.overlaps(bb):  # type: ignore[attr-defined]
                pytest.fail(
                    f"{r.name} at {dpi} dpi: {ta!r} (axes {ka}) overlaps {tb!r} (axes {kb})"
                )
        renderer = r.figure.canvas.get_renderer()
        for k, ax in enumerate(r.figure.axes):
            for axis, lim in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
                ticks = _drawn_ticklabels(axis.get_ticklocs(), axis.get_ticklabels(), lim)
                pad = 1.5 * dpi / 72.0  # labels closer than 3 pt read as one number
                ext = [t.get_window_extent(renderer).padded(pad) for t in ticks if t.get_text()]
                for a, b in itertools.pairwise(ext):
                    if a.overlaps(b):
                        pytest.fail(f"{r.name} at {dpi} dpi: tick labels of axes {k} overlap")


@pytest.mark.parametrize("which", sorted(EXPECTED))
def test_every_figure_renders(which: str, rendered) -> None:
    result = rendered(which)
    assert result.failed == []
    assert {r.name for r in result.figures} == EXPECTED[which], result.notes
    assert all(r.caption for r in result.figures)
    assert_no_overlaps(result)


def test_vector_output_keeps_text_as_text(so_run: Path, tmp_path: Path) -> None:
    result = render(RunData.load(so_run), steps=[None])
    svg = write(result, tmp_path / "svg", "svg")
    pdf = write(result, tmp_path / "pdf", "pdf")
    assert len(svg) == len(pdf) == len(result.figures)
    text = (tmp_path / "svg" / "traces.svg").read_text()
    assert text.startswith("<?xml") and "measurement number" in text  # not outlined glyphs
    assert all(p.read_bytes()[:5] == b"%PDF-" for p in pdf)
