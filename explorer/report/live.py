"""Live report: an event-log subscriber that keeps RUN_DIR/report.html current during a run.

Enabled by `output: {live_report: true}`: the CLI hands `live_report_for` to the session, which
subscribes the report to the run's event log. Rendering a report takes seconds, so it happens on one
background thread and never delays the campaign: after every `measured` and `fault` event the
subscriber asks for a refresh, and a refresh asked for while one is running is merged into the next
(the page always ends up showing the latest state, but not necessarily every intermediate one). At
`run_stopped` it asks for the final page (no reload tag, default posterior steps) and waits for it,
so a finished run always has its final report. While the run is active only the latest decision's
posterior maps are drawn, to keep a refresh short. matplotlib is imported on the first render, never
when this module is imported. A render that fails is reported as a warning (once per distinct
problem, on the campaign's thread) and never reaches the campaign loop."""

from __future__ import annotations

import threading
import warnings
from pathlib import Path

from explorer.analysis.posterior import default_steps
from explorer.analysis.rundata import RunData
from explorer.config import CampaignConfig
from explorer.engine.events import Event, Fault, Measured, RunStopped
from explorer.errors import ExplorerWarning
from explorer.plots.figures import prepare_posteriors
from explorer.report.page import REFRESH_TAG, REPORT_FILE, write_report


class LiveReportWarning(ExplorerWarning):
    """The live report could not be written (the campaign carries on)."""


def live_report_for(run_dir: Path, cfg: CampaignConfig) -> LiveReport | StaleReportFixer:
    """The session's subscriber for the report: a live one when the config asks for it, else
    one that only rewrites a reloading page left by `explorer report` during the run."""
    return LiveReport(run_dir) if cfg.output.live_report else StaleReportFixer(run_dir)


class StaleReportFixer:
    """Subscriber: at `run_stopped`, the posterior data of the default figures is computed into
    the run's posterior cache (so a later `explorer report` is quick), and a report.html written
    while the run was active (it carries the reload tag, so a browser would reload a stale page
    forever) is rewritten as the final page. Nothing else happens when there is no report or it
    is already final."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir

    def __call__(self, event: Event) -> None:
        if not isinstance(event, RunStopped):
            return
        try:
            # the model code is loaded in this process already, so this costs little here and
            # saves a later `explorer report` rebuilding every model (and importing torch)
            prepare_posteriors(RunData.load(self.run_dir))
        except Exception as exc:  # never let the report reach the campaign
            warnings.warn(
                f"posterior data not prepared: {type(exc).__name__}: {exc}",
                LiveReportWarning,
                stacklevel=2,
            )
        path = self.run_dir / REPORT_FILE
        try:
            stale = REFRESH_TAG in path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        if stale:
            try:
                write_report(self.run_dir, live=False)
            except Exception as exc:  # never let the report reach the campaign
                warnings.warn(
                    f"report not finalised: {type(exc).__name__}: {exc}",
                    LiveReportWarning,
                    stacklevel=2,
                )


class LiveReport:
    """Subscriber: `log.subscribe(LiveReport(run_dir))`.

    Attributes:
        renders: reports written so far; failures: renders that raised.
    """

    def __init__(
        self, run_dir: Path, *, refresh_s: int = 15, final_timeout_s: float = 300.0
    ) -> None:
        self.run_dir = run_dir
        self.refresh_s = refresh_s
        self.final_timeout_s = final_timeout_s
        self.renders = 0
        self.failures = 0
        self._cv = threading.Condition()
        self._request: bool | None = None  # live flag of the newest unserved request
        self._busy = False
        self._thread: threading.Thread | None = None
        self._errors: list[str] = []
        self._reported: set[str] = set()

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStopped):
            self._submit(live=False)
            self.wait(self.final_timeout_s)
        elif isinstance(event, Measured | Fault):
            self._submit(live=True)
        self._warn_new_errors()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until no render is pending or running; False on timeout."""
        with self._cv:
            return self._cv.wait_for(
                lambda: self._request is None and not self._busy, timeout=timeout_s
            )

    def _submit(self, *, live: bool) -> None:
        with self._cv:
            self._request = live if self._request is not False else False  # final wins
            self._cv.notify_all()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._worker, name="live-report", daemon=True
                )
                self._thread.start()

    def _worker(self) -> None:
        while True:
            with self._cv:
                if not self._cv.wait_for(lambda: self._request is not None, timeout=60.0):
                    self._thread = None  # idle: end; the next request starts a new thread
                    return
                live, self._request, self._busy = bool(self._request), None, True
            try:
                self._render(live=live)
            except Exception as exc:  # never let the report reach the campaign
                with self._cv:
                    self.failures += 1
                    self._errors.append(f"live report not updated: {type(exc).__name__}: {exc}")
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()

    def _render(self, *, live: bool) -> None:
        steps = default_steps(RunData.load(self.run_dir), k=50)[-1:] if live else None
        write_report(self.run_dir, live=live, steps=steps, refresh_s=self.refresh_s)
        with self._cv:
            self.renders += 1

    def _warn_new_errors(self) -> None:
        with self._cv:
            errors, self._errors = self._errors, []
        for message in errors:
            if message not in self._reported:  # warn once per distinct problem
                self._reported.add(message)
                warnings.warn(message, LiveReportWarning, stacklevel=3)
