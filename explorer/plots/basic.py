"""Library map of measured values with the visit path, and best-so-far traces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.rundata import RunData

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class MapData:
    x_mm: FloatArray
    y_mm: FloatArray
    values: FloatArray
    objective: str
    extent_mm: tuple[tuple[float, float], tuple[float, float]] | None


def map_data(run: RunData, objective: str | None = None) -> MapData:
    name = objective or run.objective_names[0]
    lib = run.config.get("library", {})
    extent = (tuple(lib["x_mm"]), tuple(lib["y_mm"])) if "x_mm" in lib and "y_mm" in lib else None
    pos = run.positions_mm
    return MapData(pos[:, 0], pos[:, 1], run.values(name), name, extent)


def draw_map(d: MapData, ax: Axes) -> Axes:
    import matplotlib.patches as mpatches

    if d.extent_mm is not None:
        (x0, x1), (y0, y1) = d.extent_mm
        ax.add_patch(mpatches.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, lw=0.8, ec="0.5"))
        pad = 0.03 * max(x1 - x0, y1 - y0)
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - pad, y1 + pad)
    ax.plot(d.x_mm, d.y_mm, "-", color="0.6", lw=0.7, zorder=1, label="visit order")
    sc = ax.scatter(
        d.x_mm, d.y_mm, c=d.values, cmap="viridis", s=28, zorder=2, edgecolors="k", linewidths=0.3
    )
    if len(d.x_mm):
        ax.annotate(
            "start", (d.x_mm[0], d.y_mm[0]), fontsize=7, xytext=(3, 3), textcoords="offset points"
        )
    ax.set_xlabel("stage x (mm)")
    ax.set_ylabel("stage y (mm)")
    ax.set_aspect("equal", adjustable="box")
    ax.figure.colorbar(sc, ax=ax, label=d.objective, shrink=0.8)
    ax.set_title(f"measured {d.objective}")
    return ax


@dataclass(frozen=True)
class TraceData:
    step: NDArray[np.int64]
    values: FloatArray
    best: FloatArray
    objective: str
    direction: str


def trace_data(run: RunData, objective: str | None = None) -> TraceData:
    name = objective or run.objective_names[0]
    v = run.values(name)
    return TraceData(np.arange(1, len(v) + 1), v, run.best_so_far(name), name, run.directions[name])


def draw_trace(d: TraceData, ax: Axes) -> Axes:
    ax.plot(d.step, d.values, "o", ms=3, alpha=0.6, label="measured")
    ax.step(d.step, d.best, where="post", lw=1.5, label="best so far")
    ax.set_xlabel("measurement")
    ax.set_ylabel(d.objective)
    ax.set_title(f"{d.objective} ({d.direction})")
    ax.legend(loc="best", frameon=False)
    return ax


def save_basic_plots(run: RunData, out_dir: str, fmt: str = "png") -> list[str]:
    """Write map + trace per objective; returns the file paths."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from explorer.plots.style import RC

    paths = []
    with plt.rc_context(RC):  # type: ignore[arg-type]
        for name in run.objective_names:
            fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), width_ratios=[1.4, 1])
            draw_map(map_data(run, name), axes[0])
            draw_trace(trace_data(run, name), axes[1])
            fig.suptitle(f"{run.name}: {run.strategy_label}", fontsize=10)
            path = f"{out_dir}/overview_{name}.{fmt}"
            fig.savefig(path)
            plt.close(fig)
            paths.append(path)
    return paths
