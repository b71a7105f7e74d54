"""Live report: an event-log subscriber that rewrites RUN_DIR/report.html while a run goes on.

Enabled by `output: {live_report: true}` (wired in explorer.session). It renders after every
`measured` and `fault` event (the page then reloads itself in the browser) and once more,
without the reload tag, at `run_stopped`. While the run is active it draws the posterior maps of
the latest decision only, to keep a refresh to a few seconds; the final report draws the default
set. matplotlib is imported on the first render, never when the module is imported, and a
failing render is reported as a warning and never reaches the campaign loop.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from explorer.errors import ExplorerWarning
from explorer.events import Event, Fault, Measured, RunStopped


class LiveReportWarning(ExplorerWarning):
    """The live report could not be written (the campaign carries on)."""


class LiveReport:
    """Subscriber: `log.subscribe(LiveReport(run_dir))`."""

    def __init__(self, run_dir: Path, *, refresh_s: int = 15) -> None:
        self.run_dir = run_dir
        self.refresh_s = refresh_s
        self.renders = 0
        self.failures = 0
        self._reported: set[str] = set()

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStopped):
            self._render(live=False)
        elif isinstance(event, Measured | Fault):
            self._render(live=True)

    def _render(self, *, live: bool) -> None:
        try:
            from explorer.plots.posterior import default_steps
            from explorer.report import write_report
            from explorer.rundata import RunData

            steps = None
            if live:
                steps = default_steps(RunData.load(self.run_dir), k=50)[-1:]
            write_report(self.run_dir, live=live, steps=steps, refresh_s=self.refresh_s)
            self.renders += 1
        except Exception as exc:  # never let the report stop a campaign
            self.failures += 1
            message = f"live report not updated: {type(exc).__name__}: {exc}"
            if message not in self._reported:  # warn once per distinct problem
                self._reported.add(message)
                warnings.warn(message, LiveReportWarning, stacklevel=2)
