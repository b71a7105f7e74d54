"""`report.html`: one self-contained page per run (images embedded as base64 PNG, inline CSS,
no scripts, nothing fetched from the network) with the config, summary numbers, every figure,
the final front (or best measurements), and the warnings and faults.

While a run is active the page carries `<meta http-equiv="refresh">`, so a browser pointed at
the file on the lab PC reloads it; the live-report subscriber (explorer.report.live) rewrites it
after every measurement. The file is replaced atomically, so a reload never sees half a page.
"""

from __future__ import annotations

import base64
import fcntl
import html
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import yaml

from explorer.analysis.metrics import (
    best_values,
    classes_found_curve,
    hypervolume_curve,
    objective_matrix,
    run_ref_point,
    travel_distance_mm,
)
from explorer.analysis.rundata import RunData
from explorer.engine.events import Fault, RunResumed, RunStarted, RunStopped, WarningEvent
from explorer.engine.rundir import LOCK_FILE, atomic_write_bytes

if TYPE_CHECKING:
    from explorer.plots.figures import RenderResult

REPORT_FILE = "report.html"
DEFAULT_REFRESH_S = 15
#: the start of the reload tag a page written during a run carries
REFRESH_TAG = '<meta http-equiv="refresh"'
#: resolution of the embedded figures: sharp on a screen at their width on the page, and
#: half the pixels of 150 dpi (encoding PNGs is a large part of a report's build time)
REPORT_DPI = 110


def run_is_active(run: RunData) -> bool:
    """True while a process holds the run's lock and the log has not recorded the end of the
    latest (re)start. Checks the lock without taking it for more than an instant."""
    life = [e for e in run.log.events if isinstance(e, RunStarted | RunResumed | RunStopped)]
    if not life or isinstance(life[-1], RunStopped):
        return False
    path = run.run_dir / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True  # held by the running campaign
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@dataclass(frozen=True)
class SummaryRow:
    label: str
    value: str


def _value(v: float | None) -> float:
    return float("nan") if v is None else float(v)


def _fmt(v: float, unit: str = "") -> str:
    if not np.isfinite(v):
        return "–"
    return f"{v:.4g}{(' ' + unit) if unit else ''}"


def summary_rows(run: RunData) -> list[SummaryRow]:
    """The summary table: status, counts, time, best values, hypervolume."""
    from explorer.analysis.run_views import objective_label

    stop = run.stopped
    n = len(run.measured)
    n_bad = int(n - run.feasible.sum())
    inst_h = float(run.instrument_hours[-1]) if n else 0.0
    decide = [s.decision_s for s in run.suggested if s.origin == "strategy"]
    rows = [
        SummaryRow("run", run.started.run_id),
        SummaryRow("strategy", run.strategy_label),
        SummaryRow("seed", str(run.started.seed)),
        SummaryRow(
            "status",
            "running"
            if stop is None or _restarted_after(run, stop)
            else f"{stop.status}: {stop.reason}",
        ),
        SummaryRow(
            "measurements", f"{n} of {run.started.n_candidates} locations ({n_bad} infeasible)"
        ),
        SummaryRow(
            "instrument time", f"{inst_h:.2f} h ({60 * inst_h / max(n, 1):.1f} min per location)"
        ),
        SummaryRow(
            "decision time",
            f"{sum(decide):.2f} s total, {np.mean(decide) if decide else 0.0:.3f} s per decision",
        ),
    ]
    rows += recommendation_rows(run)
    for name, (value, lid) in best_values(run).items():
        where = f" at location {lid}" if lid is not None else ""
        rows.append(
            SummaryRow(f"observed best {objective_label(run, name)}", f"{_fmt(value)}{where}")
        )
    if len(run.objective_names) > 1:
        ref = run_ref_point(run)
        names = run.objective_names
        dirs = [run.directions[k] for k in names]
        hv = hypervolume_curve(objective_matrix(run), dirs, ref.internal(names, dirs))
        front = run.fronts[-1].front_ids if run.fronts else []
        rows.append(SummaryRow("final Pareto front", f"{len(front)} locations"))
        rows.append(
            SummaryRow(
                f"hypervolume ({ref.source} reference)",
                _fmt(float(hv[-1]) if len(hv) else float("nan")),
            )
        )
    travel = travel_distance_mm(run.positions_mm)
    if len(travel):
        rows.append(
            SummaryRow(
                "stage travel", f"{travel[-1]:.4g} mm ({travel[-1] / n:.3g} mm per location)"
            )
        )
    classes = classes_found_curve(run)
    if classes is not None:
        first_all = int(np.argmax(classes == classes[-1])) + 1
        rows.append(
            SummaryRow(
                "classes found", f"{int(classes[-1])} (the last new one at measurement {first_all})"
            )
        )
    rows.append(SummaryRow("warnings / faults", f"{len(run.warnings)} / {len(run.faults)}"))
    return rows


def recommendation_rows(run: RunData, max_points: int = 8) -> list[SummaryRow]:
    """The model's recommendation (explorer.analysis.recommendation), one row per point."""
    from explorer.analysis.recommendation import point_text, run_recommendation

    rec = run_recommendation(run)
    if not rec.points:
        return [SummaryRow("recommended", f"none: {rec.reason}")]
    label = "recommended (posterior mean, 95 % interval)"
    if len(rec.points) > 1:
        label = f"recommended: posterior Pareto set ({len(rec.points)})"
    rows = [
        SummaryRow(label if k == 0 else "", point_text(run, p))
        for k, p in enumerate(rec.points[:max_points])
    ]
    if len(rec.points) > max_points:
        rows.append(SummaryRow("", f"… and {len(rec.points) - max_points} more"))
    return rows


def _restarted_after(run: RunData, stop: RunStopped) -> bool:
    return any(isinstance(e, RunResumed) and e.seq > stop.seq for e in run.log.events)


def front_table(run: RunData, top: int = 10) -> tuple[str, list[str], list[list[str]]]:
    """(title, header, rows): the final Pareto front, or the best measurements of a
    single-objective run, with positions and composition."""
    from explorer.analysis.geometry import library_geometry
    from explorer.analysis.run_views import objective_label

    names = run.objective_names
    index_of = {int(lid): i for i, lid in enumerate(run.location_ids)}
    if len(names) > 1 and run.fronts:
        title = "Final Pareto front"
        rows_idx = [index_of[i] for i in run.fronts[-1].front_ids if i in index_of]
    else:
        title = f"Best {min(top, len(run.measured))} measurements"
        v = run.values(names[0])
        sign = 1.0 if run.directions[names[0]] == "maximize" else -1.0
        order = np.argsort(-np.where(np.isfinite(v), sign * v, -np.inf), kind="stable")
        rows_idx = [int(i) for i in order[:top] if np.isfinite(v[i])]
    geom = library_geometry(run)
    comp = None
    if geom.composition_at is not None and rows_idx:
        comp = geom.composition_at(run.positions_mm[rows_idx])
    header = [
        "#",
        "location",
        "x (mm)",
        "y (mm)",
        *[f"{e} fraction" for e in geom.elements],
        *[objective_label(run, n) for n in names],
    ]
    rows = []
    for r, i in enumerate(rows_idx):
        m = run.measured[i]
        c = [f"{x:.3f}" for x in comp[r]] if comp is not None else []
        vals = [_fmt(_value(m.objectives.get(k))) for k in names]
        rows.append([str(i + 1), str(m.location_id), f"{m.x_mm:.3f}", f"{m.y_mm:.3f}", *c, *vals])
    return title, header, rows


def problems_table(run: RunData) -> list[list[str]]:
    rows = []
    for e in run.log.events:
        if isinstance(e, WarningEvent):
            rows.append([e.time, "warning", e.category, str(e.location_id or "–"), e.message])
        elif isinstance(e, Fault):
            rows.append([e.time, "fault", e.error, str(e.location_id or "–"), e.message])
    return rows


def _png_base64(fig: object) -> str:
    from explorer.plots.style import rc_context

    buf = io.BytesIO()
    with rc_context():
        fig.savefig(buf, format="png", dpi=REPORT_DPI)  # type: ignore[attr-defined]
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _table(header: Sequence[str] | None, rows: Sequence[Sequence[str]], cls: str = "") -> str:
    head = ""
    if header:
        cells = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        head = f"<thead><tr>{cells}</tr></thead>"
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f'<table class="{cls}">{head}<tbody>{body}</tbody></table>'


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.1em}h2{font-size:1.15em;border-bottom:1px solid #ddd;
padding-bottom:.2em;margin-top:1.8em}.sub{color:#666;margin-top:0}
table{border-collapse:collapse;font-size:.88em;margin:.5em 0}
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4}table.kv td:first-child{font-weight:600;white-space:nowrap}
figure{margin:1.2em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.88em;color:#444;max-width:900px}pre{background:#f7f7f7;padding:.8em;
overflow-x:auto;font-size:.8em;border:1px solid #eee}.live{background:#e6f4ea;border:1px solid
#9bd3ae;padding:.4em .8em;display:inline-block}.note{color:#666;font-size:.9em}
.failed{color:#b00020}
"""


def render_html(
    run: RunData,
    *,
    live: bool,
    steps: Sequence[int | None] | None = None,
    refresh_s: int = DEFAULT_REFRESH_S,
    figures: RenderResult | None = None,
) -> str:
    """The whole page as a string (nothing is written). Renders every figure unless
    `figures` (from explorer.plots.figures.render) is given."""
    from explorer.plots.figures import render

    result = figures if figures is not None else render(run, steps=steps)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'{REFRESH_TAG} content="{int(refresh_s)}">' if live else "",
        f"<title>{html.escape(run.name)} — combi-explorer report</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{html.escape(run.name)}</h1>",
        f'<p class="sub">{html.escape(str(run.config.get("description", "")))}</p>',
    ]
    last = run.log.events[-1].time if run.log.events else ""
    if live:
        parts.append(
            f'<p class="live">live: this page reloads every {int(refresh_s)} s while the run is '
            f"active (last event {html.escape(last)})</p>"
        )
    parts += [
        "<h2>Summary</h2>",
        _table(None, [[r.label, r.value] for r in summary_rows(run)], "kv"),
    ]
    parts.append("<h2>Figures</h2>")
    for r in result.figures:
        parts.append(
            f'<figure id="{html.escape(r.name)}"><img alt="{html.escape(r.caption)}" '
            f'src="data:image/png;base64,{_png_base64(r.figure)}">'
            f"<figcaption>{html.escape(r.caption)}</figcaption></figure>"
        )
    for note in result.notes:
        parts.append(f'<p class="note">{html.escape(note)}</p>')
    for fail in result.failed:
        parts.append(f'<p class="failed">{html.escape(fail)}</p>')
    if run.measured:
        title, header, rows = front_table(run)
        parts += [f"<h2>{html.escape(title)}</h2>", _table(header, rows)]
    problems = problems_table(run)
    parts.append(f"<h2>Warnings and faults ({len(problems)})</h2>")
    parts.append(
        _table(["time (UTC)", "type", "category", "location", "message"], problems)
        if problems
        else '<p class="note">none</p>'
    )
    config_text = yaml.safe_dump(run.config, sort_keys=False, allow_unicode=True)
    parts += [
        "<h2>Configuration</h2>",
        "<details><summary>resolved campaign YAML (as logged in run_started)</summary>"
        f"<pre>{html.escape(config_text)}</pre></details>",
    ]
    versions = ", ".join(f"{k} {v}" for k, v in run.started.versions.items())
    parts.append(f'<p class="note">Package versions: {html.escape(versions)}</p>')
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p)


def write_report(
    run_dir: Path,
    *,
    live: bool | None = None,
    steps: Sequence[int | None] | None = None,
    refresh_s: int = DEFAULT_REFRESH_S,
) -> Path:
    """Render and atomically write RUN_DIR/report.html; `live=None` asks the run's lock."""
    run = RunData.load(run_dir)
    active = run_is_active(run) if live is None else live
    page = render_html(run, live=active, steps=steps, refresh_s=refresh_s)
    path = run_dir / REPORT_FILE
    atomic_write_bytes(path, page.encode("utf-8"))
    return path
