"""The dashboard in a real browser: headless Debian chromium driven through its chromedriver.

A live simulated campaign with the approval gate runs on a thread while the page follows it:
the page loads, the map updates after a new measurement, an approval from the page releases the
waiting runner, a vote from the page becomes a `voted` event, a click on the map queues a
location, and Abort stops the run. Each panel is saved as a screenshot (under
$DASHBOARD_SHOTS_DIR when set, else the test's tmp folder).
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from explorer.config import parse_config
from explorer.dashboard.runs import open_runs
from explorer.dashboard.security import AccessPolicy
from explorer.dashboard.server import BackgroundServer
from explorer.engine.events import Measured, RunStopped, Steered, Voted, read_events
from explorer.engine.rundir import EVENTS_FILE, QUEUE_FILE
from explorer.engine.session import start_new
from tests.conftest import BASE_CONFIG
from tests.explorer.dashboard.test_app import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,2400",
)
WAIT_S = 90.0
PANELS = ("map", "model", "traces", "front", "curve", "instrument", "notes")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="no browser: install Debian's chromium and chromium-driver "
    "(apt-get install chromium chromium-driver) to run the dashboard's browser tests",
)


@pytest.fixture
def browser() -> Iterator[Any]:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()


def until(what: str, pred: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if hit := pred():
                return hit
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def shots_dir(tmp_path: Path) -> Path:
    out = Path(os.environ.get("DASHBOARD_SHOTS_DIR", tmp_path / "shots"))
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture
def live_run(tmp_path: Path) -> Iterator[tuple[Path, threading.Thread]]:
    cfg = copy.deepcopy(BASE_CONFIG)
    cfg.update(
        output={"dir": str(tmp_path / "runs")},
        stop={"max_points": 8},
        steering={"approval": "required", "timeout_s": 600},
    )
    session = start_new(parse_config(cfg))

    def work() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                session.runner.run()
            finally:
                session.close()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        yield session.run_dir, thread
    finally:
        if thread.is_alive():
            session.runner.request_abort()
            thread.join(WAIT_S)


def _events(run_dir: Path) -> Any:
    return read_events(run_dir / EVENTS_FILE)


def test_watch_approve_vote_queue_and_abort(browser: Any, live_run: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    run_dir, thread = live_run
    policy = AccessPolicy.for_bind("127.0.0.1", free_port())
    with BackgroundServer(open_runs(run_dir, None, writable=True), policy) as srv:
        browser.get(srv.url)
        body = browser.find_element(By.TAG_NAME, "body")
        until("the page to show the gate", lambda: body.get_attribute("data-state") == "awaiting")
        plot_map = browser.find_element(By.ID, "plot-map")
        assert plot_map.get_attribute("data-n-measured") == "0"
        assert "waiting for approval" in browser.find_element(By.ID, "next-text").text
        browser.find_element(By.ID, "operator").send_keys("tess")

        browser.find_element(By.ID, "btn-approve").click()
        until(
            "the map to show the measurement",
            lambda: plot_map.get_attribute("data-n-measured") == "1",
        )
        (first,) = _events(run_dir).of_type(Measured)
        approvals = [e for e in _events(run_dir).of_type(Steered) if e.action == "approve"]
        assert approvals[0].location_id == first.location_id
        assert approvals[0].by == "tess@127.0.0.1" and approvals[0].at

        until("the next gate", lambda: body.get_attribute("data-state") == "awaiting")
        browser.find_element(By.ID, "vote-reason").send_keys("clean loop")
        browser.find_element(By.ID, "btn-good").click()
        vote = until("the vote event", lambda: _events(run_dir).of_type(Voted))[0]
        assert (vote.location_id, vote.vote, vote.accepted) == (first.location_id, 1, True)
        assert vote.reason.startswith("clean loop by=tess@127.0.0.1")
        notes = browser.find_element(By.ID, "notes")
        until("the vote in the notes", lambda: "vote good" in notes.text)

        for name in PANELS:
            browser.find_element(By.ID, f"panel-{name}").screenshot(
                str(shots_dir(tmp_path) / f"{name}.png")
            )

        free = browser.find_elements(
            By.CSS_SELECTOR, "#plot-map .scatterlayer .trace:first-child path.point"
        )
        ActionChains(browser).move_to_element(free[-1]).click().perform()
        until("the queue confirmation", lambda: browser.switch_to.alert).accept()
        until("queue.txt", (run_dir / QUEUE_FILE).exists)
        assert "by=tess@127.0.0.1" in (run_dir / QUEUE_FILE).read_text()

        browser.find_element(By.ID, "btn-abort").click()
        until("the abort confirmation", lambda: browser.switch_to.alert).accept()
        thread.join(WAIT_S)
        stop = _events(run_dir).of_type(RunStopped)[-1]
        assert stop.status == "abort" and "tess@127.0.0.1" in stop.reason
        until("the page to show the stop", lambda: body.get_attribute("data-state") == "stopped")
        logs = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert not logs, logs
