"""report.html: self-contained, complete, live while a run holds its lock; the live-report
subscriber during a real campaign, and a failing one that must not stop it."""

from __future__ import annotations

import base64
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from explorer.analysis.report_data import front_table, run_is_active, summary_rows
from explorer.analysis.rundata import RunData
from explorer.cli import main
from explorer.engine.rundir import RunLock
from explorer.report.live import LiveReport, LiveReportWarning, StaleReportFixer
from explorer.report.page import REPORT_FILE, render_html, write_report
from tests.explorer import fixture_runs as runs


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[str] = []
        self.refs: list[str] = []
        self.meta_refresh = False
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "img":
            self.imgs.append(a.get("src") or "")
        for key in ("src", "href"):
            if a.get(key) and tag != "img":
                self.refs.append(a[key] or "")
        if tag == "meta" and a.get("http-equiv") == "refresh":
            self.meta_refresh = True


def parse(page: str) -> _Collect:
    p = _Collect()
    p.feed(page)
    return p


def test_report_is_self_contained_and_complete(synthetic_run: Path, rendered) -> None:
    run = RunData.load(synthetic_run)
    page = render_html(run, live=False, figures=rendered("synthetic_run"))
    doc = parse(page)
    assert not doc.meta_refresh and doc.refs == [] and "script" not in doc.tags
    assert not re.search(r"(src|href)=\"https?:|@import|url\(", page)
    assert len(doc.imgs) == 6 and all(s.startswith("data:image/png;base64,") for s in doc.imgs)
    png = base64.b64decode(doc.imgs[0].split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    for text in (
        "Final Pareto front",
        "Warnings and faults (2)",
        "ApproachError",
        "Configuration",
        "hypervolume (logged reference)",
        "mobo",
    ):
        assert text in page, text
    title, header, rows = front_table(run)
    assert title == "Final Pareto front" and len(rows) == len(run.fronts[-1].front_ids)
    assert header[-2:] == ["loop height (a.u.)", "coercive bias (V)"]


def test_summary_numbers(so_run: Path) -> None:
    run = RunData.load(so_run)
    rows = {r.label: r.value for r in summary_rows(run)}
    assert rows["status"].startswith("success")
    assert rows["measurements"].startswith("10 of 51 locations (0 infeasible)")
    best = max(m.objectives["loop_height"] for m in run.measured)
    assert rows["observed best loop height (a.u.)"].startswith(f"{best:.4g}")
    assert rows["recommended (posterior mean, 95 % interval)"].startswith("location ")
    xy = run.positions_mm
    assert rows["stage travel"].startswith(f"{np.hypot(*np.diff(xy, axis=0).T).sum():.4g} mm")
    assert "classes found" not in rows  # the run logs no class label
    title, header, table = front_table(run)
    assert title == "Best 10 measurements" and header[4] == "Sm fraction"
    assert float(table[0][-1]) == pytest.approx(best, rel=1e-3)
    assert header[0] == "measurement"  # the 1-based measurement number, as everywhere
    for row in table:
        m = run.measured[int(row[0]) - 1]
        assert m.step + 1 == int(row[0]) and str(m.location_id) == row[1]


def test_report_of_ternary_and_replay_runs(ternary_run: Path, replay_run: Path, rendered) -> None:
    page = render_html(RunData.load(ternary_run), live=False, figures=rendered("ternary_run"))
    assert 'id="ternary_loop_height"' in page and 'id="posterior"' in page
    replay = render_html(RunData.load(replay_run), live=False, figures=rendered("replay_run"))
    assert "Fe fraction" in replay and "kerr (mrad)" in replay and "kind: replay" in replay
    rows = {r.label: r.value for r in summary_rows(RunData.load(replay_run))}
    assert rows["classes found"].split()[0].isdigit()  # the Fe-Co-Ni replay logs class_label


def test_live_while_the_lock_is_held(so_run: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(so_run, run_dir)
    events = (run_dir / "events.jsonl").read_text().splitlines()
    (run_dir / "events.jsonl").write_text("\n".join(events[:-1]) + "\n")  # no run_stopped yet
    run = RunData.load(run_dir)
    assert not run_is_active(run)  # nobody holds the lock: a crashed run, not a live one
    with RunLock(run_dir / ".lock"):
        assert run_is_active(run)
        assert main(["report", str(run_dir)]) == 0
        doc = parse((run_dir / REPORT_FILE).read_text())
        assert doc.meta_refresh
    assert not run_is_active(RunData.load(so_run))  # finished run


def test_a_page_written_during_the_run_loses_its_reload_tag_when_the_run_stops(
    so_run: Path, tmp_path: Path
) -> None:
    from explorer.engine.events import RunStopped

    run_dir = tmp_path / "run"
    shutil.copytree(so_run, run_dir)
    write_report(run_dir, live=True)  # what `explorer report` writes while the run is active
    assert parse((run_dir / REPORT_FILE).read_text()).meta_refresh
    fixer = StaleReportFixer(run_dir)
    stop = RunStopped(status="success", reason="done", n_measured=10, instrument_time_s=1.0)
    fixer(stop)
    page = (run_dir / REPORT_FILE).read_text()
    assert not parse(page).meta_refresh and "live: this page reloads" not in page
    before = (run_dir / REPORT_FILE).stat().st_mtime_ns
    fixer(stop)  # a final page is left alone
    assert (run_dir / REPORT_FILE).stat().st_mtime_ns == before


def test_a_finished_cli_run_has_its_report_posteriors_prepared(
    so_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At run_stopped the CLI's report subscriber computes the posterior data of the default
    figures into the run's cache, so a report afterwards rebuilds no model."""
    import explorer.analysis.posterior as posterior

    run = RunData.load(so_run)
    assert list((so_run / "cache" / "posterior").glob("*.npz"))

    def no_rebuild(*_: object) -> None:
        raise AssertionError("the posterior of a default decision was not prepared")

    monkeypatch.setattr(posterior, "_compute", no_rebuild)
    for step in posterior.default_steps(run):
        assert posterior.posterior_data(run, step).step == step


def test_live_report_during_a_campaign(tmp_path: Path, monkeypatch) -> None:
    """output.live_report: pages are written in the background while the run goes on (each
    with the reload tag), and the final page (no reload) is written before the run returns."""
    import explorer.report.live
    import explorer.report.page

    written: list[tuple[bool, int]] = []
    real = explorer.report.page.write_report

    def spy(run_dir: Path, **kwargs: object) -> Path:
        path = real(run_dir, **kwargs)  # type: ignore[arg-type]
        page = path.read_text()
        written.append((parse(page).meta_refresh, page.count("<figure")))
        return path

    monkeypatch.setattr(explorer.report.live, "write_report", spy)
    run_dir = runs.sim_run(
        tmp_path,
        output={"dir": str(tmp_path / "runs"), "live_report": True},
        stop={"max_points": 3},
    )
    assert len(written) >= 2 and all(live for live, _ in written[:-1])
    assert written[-1] == (False, 4)  # map, traces, spectra, time budget (random: no model)
    page = (run_dir / REPORT_FILE).read_text()
    assert "success" in page and 'id="traces"' in page and not parse(page).meta_refresh


def test_live_report_merges_requests_and_waits_for_the_final_page(
    so_run: Path, tmp_path: Path, monkeypatch
) -> None:
    import threading

    import explorer.report.live
    import explorer.report.page

    started, gate, calls = threading.Event(), threading.Event(), []

    def slow(run_dir: Path, *, live: bool, **kwargs: object) -> Path:
        started.set()
        gate.wait(30)
        calls.append(live)
        return run_dir / REPORT_FILE

    monkeypatch.setattr(explorer.report.live, "write_report", slow)
    report = LiveReport(so_run)
    measured = RunData.load(so_run).measured
    report(measured[0])  # starts a render that blocks on the gate
    assert started.wait(30)
    for m in measured[1:5]:  # asked for while busy: merged into one request
        report(m)
    gate.set()
    report(RunData.load(so_run).stopped)  # type: ignore[arg-type]  # waits for the final page
    assert calls in ([True, False], [True, True, False])
    assert report.renders == len(calls) and report.failures == 0


def test_a_failing_live_report_never_stops_the_campaign(tmp_path: Path, monkeypatch) -> None:
    def broken(*args: object, **kwargs: object) -> Path:
        raise OSError("disk full")

    monkeypatch.setattr("explorer.report.live.write_report", broken)
    with pytest.warns(LiveReportWarning, match="disk full") as record:
        run_dir = runs.sim_run(
            tmp_path,
            output={"dir": str(tmp_path / "runs"), "live_report": True},
            stop={"max_points": 3},
        )
    assert len(record) == 1  # warned once, not once per measurement
    run = RunData.load(run_dir)
    assert len(run.measured) == 3 and run.stopped is not None and run.stopped.status == "success"
