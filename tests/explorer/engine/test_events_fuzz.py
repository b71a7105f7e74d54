"""Property-based fuzzing of event logs (hypothesis): `explorer resume` and `explorer plot` on a
damaged events.jsonl.

A small finished run is made once; each example copies it and damages its log: a torn line
(last or in the middle), a duplicated, dropped or swapped line (duplicated / missing seq), an
unknown event type, a field replaced by a hostile value (wrong type, NaN, huge, unicode), a
field deleted, garbage bytes inserted, an empty log. Each command must either succeed or exit 2
with one `error:` line naming the problem, never a traceback or an internal error; when it
fails, no file of the run directory has changed (SHA-256 before/after; `.lock` holds the pid
of whoever last held the run, so it is left out, and `plots/` is output). When `resume`
succeeds, every complete line that was in the log is still there, byte for byte (append-only).
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.engine.events import RunResumed, WarningEvent, read_events
from explorer.errors import EventLogError
from tests.conftest import BASE_CONFIG
from tests.fuzzing import assert_one_line_errors, digest, hostile_values, run_cli
from tests.reliability_summary import record

N_POINTS = 4
SHORT = settings(max_examples=40, deadline=None, derandomize=True)
LONG = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("eventlog-base")
    cfg = copy.deepcopy(BASE_CONFIG)
    cfg["stop"] = {"max_points": N_POINTS}
    cfg["output"] = {"dir": str(tmp / "runs"), "live_report": False}
    path = tmp / "campaign.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    code, _, err = run_cli(["run", str(path), "-q"])
    assert code == 0, err
    (run_dir,) = [p for p in (tmp / "runs").iterdir() if p.is_dir() and not p.is_symlink()]
    return run_dir


@contextmanager
def _copy_of(run_dir: Path) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="eventlog-fuzz-") as tmp:
        dst = Path(tmp) / run_dir.name
        shutil.copytree(run_dir, dst)
        yield dst


def _inputs(run_dir: Path) -> dict[str, str]:
    return {
        k: v
        for k, v in digest([run_dir]).items()
        if not k.endswith("/.lock") and "/plots/" not in k
    }


@st.composite
def damaged_log(draw: st.DrawFn, lines: list[bytes]) -> tuple[str, bytes]:
    """(what was done, new content of events.jsonl) for the complete lines of a log."""
    lines = list(lines)
    n = len(lines)
    kind = draw(
        st.sampled_from(
            [
                "torn last",
                "torn middle",
                "duplicate",
                "drop",
                "swap",
                "unknown type",
                "field value",
                "field value",
                "drop field",
                "garbage",
                "empty",
            ]
        )
    )
    i = draw(st.integers(0, n - 1))
    if kind == "torn last":
        cut = draw(st.integers(1, len(lines[-1]) - 1))
        return kind, b"".join(lines[:-1]) + lines[-1][:cut]
    if kind == "torn middle":
        i = draw(st.integers(0, n - 2))
        lines[i] = lines[i][: draw(st.integers(1, len(lines[i]) - 2))] + b"\n"
    elif kind == "duplicate":
        lines.insert(i, lines[i])
    elif kind == "drop":
        del lines[draw(st.integers(0, n - 2))]
    elif kind == "swap":
        j = draw(st.integers(0, n - 1).filter(lambda j: j != i))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind in ("unknown type", "field value", "drop field"):
        d = json.loads(lines[i])
        if kind == "unknown type":
            d["type"] = draw(st.one_of(st.text(max_size=12), hostile_values))
        else:
            key = draw(st.sampled_from(sorted(d)))
            if kind == "drop field":
                del d[key]
            else:
                d[key] = draw(hostile_values)
        text = json.dumps(d, allow_nan=True, ensure_ascii=draw(st.booleans()))
        lines[i] = text.encode("utf-8", "surrogatepass") + b"\n"
    elif kind == "garbage":
        at = draw(st.integers(0, n))
        lines.insert(at, draw(st.binary(min_size=1, max_size=40)) + b"\n")
    else:
        lines = []
    return kind, b"".join(lines)


def _lines(run_dir: Path) -> list[bytes]:
    return (run_dir / "events.jsonl").read_bytes().splitlines(keepends=True)


def _check(run_dir: Path, kind: str, data: bytes, command: str) -> None:
    (run_dir / "events.jsonl").write_bytes(data)
    before = _inputs(run_dir)
    try:  # the events a successful resume must keep byte for byte (all but a torn tail)
        n_kept = len(read_events(run_dir / "events.jsonl").events)
    except EventLogError:
        n_kept = -1
    if command == "resume":
        argv = ["resume", str(run_dir), "-q", "--max-points", str(N_POINTS)]
    else:
        argv = ["plot", str(run_dir)]
    code, _, err = run_cli(argv)
    assert_one_line_errors(code, err)
    if code != 0:
        assert _inputs(run_dir) == before, f"{command} failed and changed the run directory"
    elif command == "resume":
        assert n_kept >= 0, "resume accepted a log that read_events refuses"
        kept = b"".join(data.splitlines(keepends=True)[:n_kept])
        after = (run_dir / "events.jsonl").read_bytes()
        assert after.startswith(kept), "resume rewrote logged events"
        read_events(run_dir / "events.jsonl")  # and the result parses
    record("fuzz", f"event log ({command})")
    record("fuzz", f"event log: {kind}")


@SHORT
@given(data=st.data())
def test_damaged_logs_resume_or_fail_cleanly(finished_run: Path, data: st.DataObject) -> None:
    kind, content = data.draw(damaged_log(_lines(finished_run)))
    with _copy_of(finished_run) as run_dir:
        _check(run_dir, kind, content, "resume")


@settings(max_examples=6, deadline=None, derandomize=True)
@given(data=st.data())
def test_damaged_logs_plot_or_fail_cleanly(finished_run: Path, data: st.DataObject) -> None:
    kind, content = data.draw(damaged_log(_lines(finished_run)))
    with _copy_of(finished_run) as run_dir:
        _check(run_dir, kind, content, "plot")


@pytest.mark.reliability
@LONG
@given(data=st.data(), command=st.sampled_from(["resume", "resume", "resume", "plot"]))
def test_eventlog_fuzz_long(finished_run: Path, data: st.DataObject, command: str) -> None:
    kind, content = data.draw(damaged_log(_lines(finished_run)))
    with _copy_of(finished_run) as run_dir:
        _check(run_dir, kind, content, command)


def _edit(run_dir: Path, index: int, **changes: Any) -> None:
    lines = _lines(run_dir)
    d = json.loads(lines[index])
    d.update(changes)
    lines[index] = json.dumps(d).encode() + b"\n"
    (run_dir / "events.jsonl").write_bytes(b"".join(lines))


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda r: _edit(r, 2, type="measurd"), "line 3: unknown event type 'measurd'"),
        (lambda r: _edit(r, 3, seq=2), "line 4: seq 2 where 3 was expected"),
        (lambda r: _edit(r, 3, x_mm="3 mm"), "field 'x_mm' is '3 mm', expected a finite number"),
        (lambda r: _edit(r, 3, location_id=[1]), "field 'location_id'"),
        (lambda r: _edit(r, 0, type="warning", message="x"), "first event is not run_started"),
    ],
)
def test_typical_damage_names_the_line(finished_run: Path, damage: Any, words: str) -> None:
    with _copy_of(finished_run) as run_dir:
        damage(run_dir)
        before = _inputs(run_dir)
        code, _, err = run_cli(["resume", str(run_dir), "-q"])
        assert_one_line_errors(code, err, allow_ok=False)
        assert words in err, err
        assert _inputs(run_dir) == before


def test_measured_twice_is_refused(finished_run: Path) -> None:
    with _copy_of(finished_run) as run_dir:
        lines = _lines(run_dir)
        measured = [json.loads(x) for x in lines if b'"type":"measured"' in x]
        first = measured[0]
        _edit(run_dir, measured[1]["seq"], location_id=first["location_id"])
        before = _inputs(run_dir)
        code, _, err = run_cli(["resume", str(run_dir), "-q"])
        assert_one_line_errors(code, err, allow_ok=False)
        assert f"location {first['location_id']} is measured twice" in err, err
        assert _inputs(run_dir) == before


def test_torn_last_line_is_moved_aside_and_the_run_resumes(finished_run: Path) -> None:
    with _copy_of(finished_run) as run_dir:
        data = (run_dir / "events.jsonl").read_bytes()
        (run_dir / "events.jsonl").write_bytes(data[:-20])  # half of run_stopped
        code, _, err = run_cli(["resume", str(run_dir), "-q", "--max-points", str(N_POINTS)])
        assert code == 0, err
        events = read_events(run_dir / "events.jsonl").events
        assert any(isinstance(e, RunResumed) and e.torn_line for e in events)
        assert any(isinstance(e, WarningEvent) and "torn" in e.message for e in events)
        assert (run_dir / "events.torn-0.txt").read_bytes() == _complete_tail(data[:-20])


def _complete_tail(data: bytes) -> bytes:
    return data[data.rfind(b"\n") + 1 :]
