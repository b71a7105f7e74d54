"""One consistent, colourblind-safe style for every figure, and the label/unit vocabulary.

Colours: the Okabe-Ito palette for categories (safe for the common colour-vision deficiencies);
perceptually uniform colour maps for fields (viridis for measured values and posterior means,
cividis for uncertainty, magma for acquisition). Sizes follow journal columns (3.5 in single,
7.2 in double) with 8-9 pt text, so figures can go into a paper without rescaling.
Nothing here imports matplotlib at module import time except `figure()`/`save()` helpers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cycler import cycler

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Okabe & Ito (2008) colourblind-safe categorical palette.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
VALUE_CMAP = "viridis"  # measured values, posterior mean
STD_CMAP = "cividis"  # posterior standard deviation
ACQ_CMAP = "magma"  # acquisition function
STEP_CMAP = "plasma"  # points coloured by measurement number (distinct from values)
NEUTRAL = "0.55"  # outlines, candidate locations, paths
HIGHLIGHT = PALETTE[3]  # final front, chosen location

SINGLE_COLUMN_IN = 3.5
DOUBLE_COLUMN_IN = 7.2
FORMATS = ("png", "svg", "pdf")

RC: dict[str, Any] = {
    "figure.dpi": 110,
    "savefig.dpi": 200,
    # no "savefig.bbox: tight": constrained layout already fits every label into the figure,
    # and a tight bbox changes the axes' tick space while saving (ticks then differ from the
    # drawn, overlap-checked figure).
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.2,
    "lines.markersize": 4,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "image.cmap": VALUE_CMAP,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "svg.fonttype": "none",  # text stays text in SVG (editable in Inkscape/Illustrator)
    "pdf.fonttype": 42,  # TrueType in PDF (journals reject Type 3 fonts)
    "figure.constrained_layout.use": True,
}

#: Human labels of the instrument time categories (hardware.protocols.TIME_CATEGORIES + decide).
TIME_LABELS: dict[str, str] = {
    "move": "stage move",
    "approach": "tip approach",
    "tune": "tune",
    "settle": "settle",
    "measure": "measure",
    "overhead": "mode switch / overhead",
    "decide": "decide (computer)",
}


def figure(width_in: float = DOUBLE_COLUMN_IN, height_in: float = 2.6) -> Figure:
    """A new Figure (not registered with pyplot, so it is thread-safe and never leaks)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    with rc_context():
        fig = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(fig)  # Agg regardless of the user's backend: no display needed
    return fig


def rc_context() -> Any:
    """Context manager applying RC (use around figure creation *and* drawing)."""
    import matplotlib as mpl  # noqa: PLC0415

    return mpl.rc_context(RC)  # type: ignore[arg-type]


def save(fig: Figure, path: Path, *, metadata_title: str = "", dpi: float | None = None) -> Path:
    """Save in the format given by the suffix (png/svg/pdf), deterministically for svg/pdf;
    `dpi` (raster only) defaults to RC['savefig.dpi']."""
    fmt = path.suffix.lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unsupported figure format {fmt!r}; use one of {FORMATS}")
    meta: dict[str, Any] = {"Title": metadata_title} if metadata_title else {}
    if fmt == "svg":
        meta["Date"] = None
    elif fmt == "pdf":
        meta["CreationDate"] = None
    with rc_context():
        fig.savefig(path, format=fmt, metadata=meta, dpi=dpi or RC["savefig.dpi"])
    return path
