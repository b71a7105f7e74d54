"""The app over HTTP: a real uvicorn server on a free loopback port, a real run directory."""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from explorer.dashboard.runs import open_runs
from explorer.dashboard.security import ACTION_HEADER, AccessPolicy
from explorer.dashboard.server import BackgroundServer
from explorer.engine.control import CONTROL_FILE
from explorer.engine.events import EventLog, WarningEvent
from explorer.engine.rundir import EVENTS_FILE
from explorer.errors import RunDirError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def post(url: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    h = {"Content-Type": "application/json", ACTION_HEADER: "1", **(headers or {})}
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=h, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture(scope="module")
def server(mobo_run: Path) -> Iterator[tuple[str, Path]]:
    policy = AccessPolicy.for_bind("127.0.0.1", free_port())
    with BackgroundServer(open_runs(mobo_run, None, writable=True), policy) as srv:
        yield srv.url, mobo_run


def test_page_and_assets_are_served_locally(server: tuple[str, Path]) -> None:
    url, _ = server
    status, page = get(url)
    assert status == 200
    html = page.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # no CDN, no other host
    for asset in re.findall(r"""(?:src|href)="(/static/[^"]+)\"""", html):
        code, body = get(url.rstrip("/") + asset)
        assert code == 200 and len(body) > 100, asset
    code, js = get(url + "static/plotly.min.js")
    assert code == 200 and len(js) > 1_000_000  # the bundle of the installed plotly wheel
    code, mine = get(url + "static/dashboard.js")
    assert not re.search(rb"https?://", mine)


def test_views_carry_the_run(server: tuple[str, Path]) -> None:
    url, run_dir = server
    name = run_dir.name
    _, raw = get(url + f"api/run/{name}")
    data = json.loads(raw)
    assert data["status"]["state"] == "stopped" and len(data["measured"]) == 6
    assert [o["name"] for o in data["objectives"]] == ["loop_area", "coercive_bias"]
    assert data["front"]["hypervolume"] is not None
    assert "then.beta" in json.loads(get(url + f"api/run/{name}/weights")[1])
    model = json.loads(get(url + f"api/run/{name}/model")[1])
    assert [o["name"] for o in model["objectives"]] == ["loop_area", "coercive_bias"]
    assert len(model["objectives"][1]["std"]) == len(model["ids"]) == 51
    curve = json.loads(get(url + f"api/run/{name}/curve?index=0")[1])
    assert curve["kind"] == "loop" and curve["fit_x"] and curve["index"] == 0
    runs = json.loads(get(url + "api/runs")[1])
    assert runs["single"] and runs["runs"][0]["name"] == name


def test_stream_pushes_new_events(server: tuple[str, Path]) -> None:
    url, run_dir = server
    req = urllib.request.Request(url + f"api/run/{run_dir.name}/stream?since=0")
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.headers["Content-Type"].startswith("text/event-stream")
        first = r.readline().decode()
        assert first == "event: log\n"
        data = json.loads(r.readline().decode().removeprefix("data: "))
        assert data[0]["type"] == "run_started"


def test_actions_are_checked_and_written(server: tuple[str, Path]) -> None:
    url, run_dir = server
    action = url + f"api/run/{run_dir.name}/action"
    code, body = post(action, {"action": "pause", "by": "ann"})
    assert code == 200 and body["written"].startswith("pause by=ann@127.0.0.1 at=")
    assert (run_dir / CONTROL_FILE).read_text().splitlines()[-1] == body["written"]
    code, _ = post(action, {"action": "pause"}, {ACTION_HEADER: "0"})
    assert code == 403  # not from the page
    code, _ = post(action, {"action": "pause"}, {"Origin": "http://evil.example"})
    assert code == 403
    code, text = post(action, {"action": "approve"})
    assert code == 409 and "location id" in text
    code, _ = get(url + "api/runs", {"Host": "evil.example:80"})
    assert code == 421


def test_token_guards_every_request(mobo_run: Path) -> None:
    policy = AccessPolicy("127.0.0.1", free_port(), "tok-123")
    with BackgroundServer(open_runs(mobo_run, None, writable=False), policy) as srv:
        base = srv.url.split("?")[0]
        assert get(base)[0] == 401 and get(base + "api/runs")[0] == 401
        assert get(srv.url)[0] == 200  # ?token=
        assert get(base + "api/runs", {"X-Explorer-Token": "tok-123"})[0] == 200
        code, text = post(
            base + f"api/run/{mobo_run.name}/action",
            {"action": "pause"},
            {"X-Explorer-Token": "tok-123"},
        )
        assert code == 409 and "read-only" in text


def test_runs_folder_side_by_side(tmp_path: Path, mobo_run: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    with EventLog(other / EVENTS_FILE) as log:
        log.emit(WarningEvent(message="not a real run"))
    served = open_runs(None, tmp_path, writable=False)
    assert served.names() == ["other"]
    assert not served.writable
    with pytest.raises(RunDirError, match="either a RUN_DIR or --runs"):
        open_runs(mobo_run, tmp_path, writable=False)
    with pytest.raises(RunDirError, match="not a run directory"):
        open_runs(tmp_path, None, writable=True)
    with BackgroundServer(served, AccessPolicy.for_bind("127.0.0.1", free_port())) as srv:
        runs = json.loads(get(srv.url + "api/runs")[1])
        assert not runs["single"] and "run_started" in runs["runs"][0]["error"]
