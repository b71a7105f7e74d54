"""Compose the standard figures of a run and write them (`explorer plot`, reports).

Each figure is built from the data functions of the plot modules; a figure that does not apply
to a run (no model, one objective, not ternary) becomes a note instead, and a figure that fails
unexpectedly becomes a 'failed' note so the other figures are still written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from explorer.analysis import (
    budget_figure_data,
    front_figure_data,
    map_figure_data,
    posterior,
    spectra_figure_data,
    ternary_figure_data,
    trace_figure_data,
)
from explorer.analysis.geometry import library_geometry
from explorer.analysis.posterior import PlotUnavailableError
from explorer.analysis.rundata import RunData
from explorer.plots import budget, fronts, maps, posterior_figures, spectra, ternary, traces
from explorer.plots.style import DOUBLE_COLUMN_IN, figure, rc_context, save

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class Rendered:
    """One composed figure: file stem, caption for reports, and the figure itself."""

    name: str
    caption: str
    figure: Figure


@dataclass
class RenderResult:
    figures: list[Rendered] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # 'posterior maps: not applicable (...)'
    failed: list[str] = field(default_factory=list)


Steps = Sequence[int | None] | None


def _aspect(run: RunData) -> float:
    (x0, x1), (y0, y1) = library_geometry(run).extent_mm
    return max(min((y1 - y0) / max(x1 - x0, 1e-9), 1.5), 0.1)


def fig_map(run: RunData, name: str) -> Rendered:
    a = _aspect(run)
    d = map_figure_data.library_map_data(run, name)
    side = a > 0.6  # a round or square wafer: the two maps side by side, a strip: stacked
    if side:
        fig = figure(DOUBLE_COLUMN_IN, min(0.9 + 3.0 * a, 4.6))
        ax1, ax2 = fig.subplots(1, 2)
    else:
        fig = figure(DOUBLE_COLUMN_IN * 0.85, min(2 * (1.5 + 5.0 * a), 8.0))
        ax1, ax2 = fig.subplots(2, 1)
    maps.draw_library_map(d, ax1)
    maps.draw_visit_order(d, ax2)
    handles, labels = ax1.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=7)
    comp = d.geometry.composition_axis
    cap = (
        f"Measured {name.replace('_', ' ')} at each visited location (colour, robust range: "
        "values far beyond the 2nd-98th percentiles are drawn as triangles in the end colour), "
        "over the library outline; the star is the best feasible value, the diamond the "
        "model's recommendation, faint dots unvisited locations. "
        + ("Second panel" if not side else "Right")
        + ": the visit order, markers graded by measurement number (1 = first), numbered every "
        "few measurements, joined by a faint path."
        + (f" Top axis: {comp.element} fraction of the composition gradient." if comp else "")
    )
    return Rendered(f"map_{name}", cap, fig)


def fig_traces(run: RunData) -> Rendered:
    names = run.objective_names
    fig = figure(DOUBLE_COLUMN_IN, 2.5 * ((len(names) + 1) // 2))
    axes = fig.subplots((len(names) + 1) // 2, min(len(names), 2), squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        traces.draw_trace(trace_figure_data.trace_data(run, name), ax)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    cap = (
        "Objective values in measurement order, coloured by who chose the location (initial "
        "points, design, strategy, user queue), and the best value so far; the shaded band is the "
        "model-free initial design."
    )
    return Rendered("traces", cap, fig)


def posterior_steps(run: RunData, steps: Steps) -> list[int | None]:
    chosen: list[int | None] = (
        list(steps) if steps is not None else list(posterior.default_steps(run))
    )
    if not chosen:
        raise PlotUnavailableError(f"strategy {run.strategy_label!r} logged no model decisions")
    return chosen


def fig_posterior(run: RunData, data: list[posterior.PosteriorMaps], name: str) -> Rendered:
    """One objective's posterior at several decisions (`data`: one entry per decision)."""
    if len(data[0].feature_names) == 1:
        fig = _posterior_profiles(data)
    else:
        fig = _posterior_maps(data, _aspect(run))
    exact = all(d.hypers_source == "logged" for d in data)
    agree = [d.agrees_with_log for d in data if d.agrees_with_log is not None]
    cap = (
        f"Posterior mean, standard deviation and acquisition of the {run.strategy_label} model of "
        f"{data[0].objective.replace('_', ' ')} at the decisions that chose measurements "
        f"{', '.join(_step_name(d.step) for d in data)}, recomputed from the event log "
        + (
            "with the logged hyperparameters (the exact model of each decision)"
            if exact
            else "(refitted where no model state was logged)"
        )
        + (
            "; black dots: data the model had, dashed line: the logged choice."
            if len(data[0].feature_names) == 1
            else "; white dots: data the model had, star: the logged choice; colour scales are "
            "robust (an arrow on a colour bar: values beyond it are drawn in the end colour)."
        )
        + (
            f" The acquisition maximum is the logged choice in {sum(agree)}/{len(agree)} decisions."
            if agree
            else ""
        )
    )
    return Rendered(name, cap, fig)


def _posteriors(run: RunData, steps: Steps, result: RenderResult) -> None:
    """One posterior figure per modelled objective: `posterior` for a single objective,
    `posterior_<objective>` for each of several."""
    try:
        series = posterior.posterior_series(run, posterior_steps(run, steps))
    except PlotUnavailableError as exc:
        result.notes.append(f"posterior maps: not applicable ({exc})")
        return
    except Exception as exc:  # one broken figure must not prevent the others
        result.failed.append(f"posterior maps: failed ({type(exc).__name__}: {exc})")
        return
    names = [m.objective for m in series[0]]
    for k, obj in enumerate(names):
        stem = "posterior" if len(names) == 1 else f"posterior_{obj}"
        data = [maps[k] for maps in series]
        _attempt(
            result,
            f"posterior maps {obj}",
            lambda d=data, n=stem: fig_posterior(run, d, n),  # type: ignore[misc]
        )


def _posterior_profiles(data: list[posterior.PosteriorMaps]) -> Figure:
    fig = figure(DOUBLE_COLUMN_IN, 2.1 * len(data))
    axes = fig.subplots(len(data), 2, squeeze=False, width_ratios=[1.3, 1])
    for (ax1, ax2), d in zip(axes, data, strict=True):
        posterior_figures.draw_posterior_profile(d, ax1)
        if d.acquisition is not None:
            posterior_figures.draw_acquisition_profile(d, ax2)
        else:
            ax2.set_visible(False)
    axes[0, 0].legend(loc="best", ncols=2)
    return fig


def _posterior_maps(data: list[posterior.PosteriorMaps], aspect: float) -> Figure:
    fig = figure(DOUBLE_COLUMN_IN, len(data) * (1.3 + 2.2 * aspect))
    axes = fig.subplots(len(data), 3, squeeze=False)
    for row, d in zip(axes, data, strict=True):
        for ax, which in zip(row, posterior.FIELDS, strict=True):
            if which == "acquisition" and d.acquisition is None:
                ax.set_visible(False)
                continue
            posterior_figures.draw_posterior(d, ax, which)
    return fig


def _step_name(step: int | None) -> str:
    return "final" if step is None else str(step + 1)


def fig_pareto(run: RunData) -> Rendered:
    if len(run.objective_names) < 2:
        raise PlotUnavailableError("single-objective run, no Pareto front")
    fig = figure(DOUBLE_COLUMN_IN, 3.0)
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1.25, 1])
    fronts.draw_pareto(front_figure_data.pareto_data(run), ax1)
    hv = front_figure_data.hypervolume_data(run)
    fronts.draw_hypervolume(hv, ax2)
    cap = (
        "Left: every measurement coloured by measurement number, logged Pareto fronts at "
        "intermediate steps (grey) and the final front (highlighted). Right: dominated "
        f"hypervolume after each measurement ({'recomputed here' if hv.recomputed else 'as logged'}"
        f", {hv.ref.source} reference point)."
    )
    return Rendered("pareto", cap, fig)


def fig_ternary(
    run: RunData,
    name: str,
    post: posterior.PosteriorMaps | None,
    grid: ternary_figure_data.TernaryGrid | None = None,
) -> Rendered:
    d = ternary_figure_data.ternary_data(run, name, post, grid)
    fig = figure(DOUBLE_COLUMN_IN * 0.75, 3.6)
    ternary.draw_ternary(d, fig.subplots())
    cap = (
        f"Measured {name.replace('_', ' ')} in composition space ({', '.join(d.elements)}), "
        "visit order as a faint grey line"
        + (
            "; background: the model's posterior mean after the last measurement, evaluated on a "
            "fine barycentric grid over the compositions the library covers."
            if d.background is not None
            else "."
        )
        + " Colours on a robust range: triangles mark measurements beyond it."
    )
    return Rendered(f"ternary_{name}", cap, fig)


def fig_spectra(run: RunData) -> Rendered:
    d = spectra_figure_data.spectra_data(run)
    if not d.curves:
        raise PlotUnavailableError("no raw arrays with a loop or spectrum channel were found")
    cols = min(3, len(d.curves))
    rows = (len(d.curves) + cols - 1) // cols
    fig = figure(DOUBLE_COLUMN_IN, 2.3 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, c in zip(axes, d.curves, strict=False):
        spectra.draw_curve(c, ax)
    for ax in axes[len(d.curves) :]:
        ax.set_visible(False)
    if d.curves[0].kind == "loop":
        axes[0].legend(loc="lower right", fontsize=6)
    cap = (
        "Raw data of selected locations (best of each objective, Pareto-front members, most novel)"
        "; loops show the last bias cycle with the loop-model fit the objectives came from."
    )
    return Rendered("spectra", cap, fig)


def fig_budget(run: RunData) -> Rendered:
    d = budget_figure_data.time_budget_data(run)
    fig = figure(DOUBLE_COLUMN_IN, 2.6)
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1, 1.1])
    budget.draw_time_budget(d, ax1)
    budget.draw_time_cumulative(d, ax2)
    cap = (
        "Where the time went: instrument time per category (from each measurement's durations, on "
        "the instrument clock) and the computer's decision time (wall clock)."
    )
    return Rendered("time_budget", cap, fig)


def _attempt(result: RenderResult, label: str, build: Callable[[], Rendered]) -> None:
    try:
        result.figures.append(build())
    except PlotUnavailableError as exc:
        result.notes.append(f"{label}: not applicable ({exc})")
    except Exception as exc:  # one broken figure must not prevent the others
        result.failed.append(f"{label}: failed ({type(exc).__name__}: {exc})")


def render(run: RunData, *, steps: Steps = None) -> RenderResult:
    """Every figure that applies to the run (nothing is written)."""
    result = RenderResult()
    if not run.measured:
        result.notes.append("no measurements yet: nothing to plot")
        return result
    with rc_context():
        for name in run.objective_names:
            _attempt(result, f"map {name}", lambda n=name: fig_map(run, n))  # type: ignore[misc]
        _attempt(result, "traces", lambda: fig_traces(run))
        _posteriors(run, steps, result)
        _attempt(result, "Pareto front", lambda: fig_pareto(run))
        _ternary(run, result)
        _attempt(result, "raw loops/spectra", lambda: fig_spectra(run))
        _attempt(result, "time budget", lambda: fig_budget(run))
    return result


def _ternary(run: RunData, result: RenderResult) -> None:
    if not library_geometry(run).is_ternary:
        result.notes.append("ternary plots: not applicable (the library is not ternary)")
        return
    grid = ternary_figure_data.posterior_grid(run)
    maps: dict[str, posterior.PosteriorMaps] = {}
    if grid is not None and grid.inputs is not None:
        with contextlib.suppress(PlotUnavailableError):
            maps = {
                m.objective: m
                for m in posterior.posterior_all(run, None, grid=grid.inputs[grid.inside])
            }
    for name in run.objective_names:
        _attempt(
            result,
            f"ternary {name}",
            lambda n=name: fig_ternary(run, n, maps.get(n), grid),  # type: ignore[misc]
        )


def prepare_posteriors(run: RunData) -> int:
    """Compute (and so cache, explorer.analysis.posterior_cache) the posterior data the
    default figures draw, without drawing: the default decisions and, for a ternary library,
    the state after the last measurement on its lattice. Returns the records now available;
    decisions without a model are skipped."""
    requests: list[tuple[int | None, Any]] = [(s, None) for s in posterior.default_steps(run)]
    grid = ternary_figure_data.posterior_grid(run)
    if grid is not None and grid.inputs is not None:
        requests.append((None, grid.inputs[grid.inside]))
    done = 0
    for step, points in requests:
        with contextlib.suppress(PlotUnavailableError):
            posterior.posterior_all(run, step, grid=points)
            done += 1
    return done


def write(
    result: RenderResult, out_dir: Path, fmt: str = "png", dpi: float | None = None
) -> list[Path]:
    """Save every rendered figure as out_dir/<name>.<fmt>; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        save(r.figure, out_dir / f"{r.name}.{fmt}", metadata_title=r.caption, dpi=dpi)
        for r in result.figures
    ]
