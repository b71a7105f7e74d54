"""`report.html`: one self-contained page per run (images embedded as base64 PNG, inline CSS,
no scripts, nothing fetched from the network) with the config, summary numbers, every figure,
the final front (or best measurements), and the warnings and faults.

While a run is active the page carries `<meta http-equiv="refresh">`, so a browser pointed at
the file on the lab PC reloads it; the live-report subscriber (explorer.report.live) rewrites it
after every measurement. The file is replaced atomically, so a reload never sees half a page.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from explorer.analysis.report_data import (
    front_table,
    problems_table,
    run_is_active,
    summary_rows,
)
from explorer.analysis.rundata import RunData
from explorer.engine.rundir import atomic_write_bytes
from explorer.plots.figures import render
from explorer.plots.style import rc_context

if TYPE_CHECKING:
    from explorer.plots.figures import RenderResult

REPORT_FILE = "report.html"
DEFAULT_REFRESH_S = 15
#: the start of the reload tag a page written during a run carries
REFRESH_TAG = '<meta http-equiv="refresh"'
#: resolution of the embedded figures: sharp on a screen at their width on the page, and
#: half the pixels of 150 dpi (encoding PNGs is a large part of a report's build time)
REPORT_DPI = 110


def _png_base64(fig: object) -> str:
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
