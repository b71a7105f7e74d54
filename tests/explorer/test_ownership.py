"""Concurrency and ownership, full and read-only disks.

Locks are held by a real second process (a subprocess that takes the flock and waits), so the
refusals are the ones a second `explorer` would see; a stale lock is made by SIGKILLing that
process. Disk-full is injected two ways: ENOSPC from `os.write` on the event log and from
`os.fsync` of a raw file (always run), and a real, tiny tmpfs that fills up or is read-only
(needs `mount`, i.e. root; skipped with the reason otherwise).
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from explorer.config import parse_config
from explorer.engine.events import Measured, RunStopped, Suggested, WarningEvent, read_events
from explorer.engine.rundir import MIN_FREE_BYTES
from explorer.engine.session import apply_overrides, start_new
from hardware.journal import lock_path_for, read_journal
from tests.explorer.crash_checks import Reference, only_run, reference_run, sim_config, verify
from tests.explorer.crash_checks import zaber_config as zaber
from tests.fuzzing import digest, run_cli
from tests.reliability_summary import record

pytestmark = pytest.mark.ownership

HOLDER = """
import sys, time
from pathlib import Path
from hardware.journal import take_flock
fh, _ = take_flock(Path(sys.argv[1]))
print("held", flush=True)
time.sleep(600)
"""


class Holder:
    """A second process holding the flock on `path` until it is killed."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "held"
        self.pid = self.proc.pid

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture
def holder() -> Iterator[Any]:
    made: list[Holder] = []

    def make(path: Path) -> Holder:
        made.append(Holder(path))
        return made[-1]

    yield make
    for h in made:
        if h.proc.poll() is None:
            h.kill()


def _write(tmp_path: Path, cfg: dict[str, Any], name: str = "campaign.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def _inputs(run_dir: Path) -> dict[str, str]:
    return {k: v for k, v in digest([run_dir]).items() if not k.endswith("/.lock")}


def _finished_sim_run(tmp_path: Path, points: int = 2) -> Path:
    cfg = dict(sim_config(tmp_path / "runs", max_points=points), strategy={"kind": "random"})
    code, _, err = run_cli(["run", str(_write(tmp_path, cfg)), "-q"])
    assert code == 0, err
    return only_run(tmp_path / "runs")


def test_run_dir_in_use_is_refused_and_a_killed_owner_is_taken_over(tmp_path, holder) -> None:
    run_dir = _finished_sim_run(tmp_path)
    owner = holder(run_dir / ".lock")
    before = _inputs(run_dir)
    code, _, err = run_cli(["resume", str(run_dir), "-q", "--max-points", "3"])
    assert code == 2 and err.count("\n") == 1, err
    assert f"is in use by another process (pid {owner.pid})" in err, err
    assert _inputs(run_dir) == before
    record("ownership", "run directory in use: refused")

    owner.kill()  # the kernel drops the flock; the file still names the dead owner
    code, _, err = run_cli(["resume", str(run_dir), "-q", "--max-points", "3"])
    assert code == 0, err
    warnings = read_events(run_dir / "events.jsonl").of_type(WarningEvent)
    assert any(f"left by process {owner.pid}" in w.message for w in warnings)
    assert len(read_events(run_dir / "events.jsonl").of_type(Measured)) == 3
    record("ownership", "stale run-directory lock: taken over")


def test_two_campaigns_on_one_stage_and_a_stale_hardware_lock(tmp_path, holder) -> None:
    cfg = zaber(tmp_path / "runs", "ownership", max_points=2)
    cfg["strategy"] = {"kind": "random"}
    path = _write(tmp_path, cfg)
    port = cfg["instrument"]["stage"]["port"]
    other = holder(lock_path_for(port, Path(cfg["instrument"]["lock_dir"])))
    code, _, err = run_cli(["run", str(path), "-q"])
    assert code == 3 and err.count("\n") == 1, err
    assert f"is owned by another process (pid {other.pid}" in err, err
    left = [p for p in (tmp_path / "runs").iterdir() if p.name != "locks"]
    assert left == [], f"a refused start left {left}"
    record("ownership", "hardware in use: refused, no run directory left")

    other.kill()
    code, _, err = run_cli(["run", str(path), "-q"])
    assert code == 0, err
    run_dir = only_run(tmp_path / "runs")
    warnings = read_events(run_dir / "events.jsonl").of_type(WarningEvent)
    assert [w.category for w in warnings if str(other.pid) in w.message] == ["ownership"]
    opened = [r for r in read_journal(run_dir / "journal.jsonl") if r["kind"] == "open"]
    assert opened[0]["lock_taken_over_from"] == other.pid
    record("ownership", "stale hardware lock: taken over")


def test_same_hardware_twice_in_one_process_is_refused(tmp_path) -> None:
    cfg = zaber(tmp_path / "runs", "twice", max_points=2)
    first = start_new(parse_config(cfg))
    try:
        with pytest.raises(Exception, match="is owned by another process"):
            start_new(apply_overrides(parse_config(cfg), out=tmp_path / "other"))
    finally:
        first.runner.instrument.close()
        first.close()
    record("ownership", "hardware in use: refused")


# ---- disk full, read-only ------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Reference:
    tmp = tmp_path_factory.mktemp("disk-ref")
    return reference_run(sim_config(tmp / "runs", max_points=6), tmp)


def _fd_path(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


def test_disk_full_while_logging_stops_before_the_move(reference, tmp_path, monkeypatch) -> None:
    """ENOSPC half-way through the 4th `suggested` line: the partial line is cut off, the
    instrument never goes to that location, nothing logged is lost, and a resume (with room
    again) ends exactly like the uninterrupted run."""
    real_write = os.write
    state: dict[str, Any] = {"n": 0, "full": False, "target": None}

    def write(fd: int, data: Any) -> int:
        if _fd_path(fd).endswith("events.jsonl"):
            if state["full"]:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            if b'"type":"suggested"' in bytes(data):
                state["n"] += 1
                if state["n"] == 4:
                    state["full"], state["target"] = True, json.loads(bytes(data))
                    return real_write(fd, bytes(data)[: len(data) // 2])
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    code, out, _ = run_cli(["run", str(reference.config), "-q", "--out", str(tmp_path / "r")])
    monkeypatch.setattr(os, "write", real_write)
    assert code == 1 and "No space left on device" in out, out
    run_dir = only_run(tmp_path / "r")
    log = read_events(run_dir / "events.jsonl")
    assert log.torn_tail is None, "the half-written line was not cut off"
    assert len(log.of_type(Measured)) == 3 and len(log.of_type(Suggested)) == 3
    target = state["target"]["location_id"]
    visits = [r for r in read_journal(run_dir / "journal.jsonl") if r["kind"] == "visit"]
    assert target not in [r.get("location_id") for r in visits], "moved after the disk filled"
    code, _, err = run_cli(["resume", str(run_dir), "-q"])
    assert code == 0, err
    verify(run_dir, reference)
    record("ownership", "disk full mid-run (ENOSPC on the log): stopped before the move")


def test_disk_full_while_saving_a_raw_file(reference, tmp_path, monkeypatch) -> None:
    """ENOSPC when the 3rd raw file is fsynced: the temporary is removed, the run stops with
    the reason, the location stays unmeasured in the log, and resume measures it once."""
    real_fsync, n = os.fsync, {"raw": 0}

    def fsync(fd: int) -> None:
        if ".npz.tmp-" in _fd_path(fd):
            n["raw"] += 1
            if n["raw"] == 3:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    code, out, _ = run_cli(["run", str(reference.config), "-q", "--out", str(tmp_path / "r")])
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert code == 1 and "No space left on device" in out, out
    run_dir = only_run(tmp_path / "r")
    log = read_events(run_dir / "events.jsonl")
    assert len(log.of_type(Measured)) == 2 and isinstance(log.events[-1], RunStopped)
    assert not list((run_dir / "raw").glob(".*tmp*")), "temporary raw file left behind"
    code, _, err = run_cli(["resume", str(run_dir), "-q"])
    assert code == 0, err
    ids = [e.location_id for e in read_events(run_dir / "events.jsonl").of_type(Measured)]
    assert len(ids) == 6 and len(set(ids)) == 6 and ids[:2] == reference.ids[:2]
    record("ownership", "disk full mid-run (ENOSPC on a raw file): stopped, resumed")


def test_read_only_filesystem_is_refused_before_anything_moves(tmp_path, monkeypatch) -> None:
    run_dir = _finished_sim_run(tmp_path)
    real = os.statvfs

    def statvfs(path: Any) -> Any:
        st = real(path)
        fields = list(st)
        fields[8] = st.f_flag | os.ST_RDONLY  # f_flag
        return os.statvfs_result(fields)

    before = _inputs(run_dir)
    journal_before = len(read_journal(run_dir / "journal.jsonl"))
    monkeypatch.setattr(os, "statvfs", statvfs)
    code, _, err = run_cli(["resume", str(run_dir), "-q", "--max-points", "3"])
    assert code == 2 and "read-only filesystem" in err and err.count("\n") == 1, err
    assert _inputs(run_dir) == before
    assert len(read_journal(run_dir / "journal.jsonl")) == journal_before  # never opened
    record("ownership", "read-only run directory (statvfs): refused before any move")


# ---- a real tiny filesystem ----------------------------------------------------------------


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    size = MIN_FREE_BYTES + 8 * 2**20
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
        check=False,
    )
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({res.stderr.strip() or 'not root'})")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_real_disk_filling_up_stops_the_run_before_the_move(reference, tiny_fs) -> None:
    """A real tmpfs: after the 2nd measurement another program fills the disk; the run stops
    at the next move with the reason logged (room kept for it), and resumes once there is
    space again, ending exactly like the uninterrupted run."""
    cfg = apply_overrides(
        parse_config(yaml.safe_load(reference.config.read_text())), out=tiny_fs / "runs"
    )
    session = start_new(cfg)
    filler = tiny_fs / "filler.bin"

    def fill(event: Any) -> None:
        if isinstance(event, Measured) and event.step == 1:
            st = os.statvfs(tiny_fs)
            with open(filler, "wb") as fh:
                fh.write(b"\0" * (st.f_bavail * st.f_frsize - 2 * 2**20))

    session.log.subscribe(fill)
    try:
        outcome = session.runner.run()
    finally:
        session.close()
    assert outcome.status == "fail" and "disk almost full" in outcome.reason, outcome
    log = read_events(session.run_dir / "events.jsonl")
    assert isinstance(log.events[-1], RunStopped) and len(log.of_type(Measured)) == 2
    visits = [r for r in read_journal(session.run_dir / "journal.jsonl") if r["kind"] == "visit"]
    assert len(visits) == 2, "the stage went on after the disk filled"
    code, _, err = run_cli(["resume", str(session.run_dir), "-q"])
    assert code == 2 and "disk almost full" in err, err
    filler.unlink()
    code, _, err = run_cli(["resume", str(session.run_dir), "-q"])
    assert code == 0, err
    verify(session.run_dir, reference)
    record("ownership", "real tmpfs filling up: stopped before the move, resumed")


def test_real_read_only_mount_is_refused(tmp_path, tiny_fs) -> None:
    cfg = dict(sim_config(tiny_fs / "runs", max_points=2), strategy={"kind": "random"})
    code, _, err = run_cli(["run", str(_write(tmp_path, cfg)), "-q"])
    assert code == 0, err
    run_dir = only_run(tiny_fs / "runs")
    before = _inputs(run_dir)
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    code, _, err = run_cli(["resume", str(run_dir), "-q", "--max-points", "3"])
    assert code == 2 and err.count("\n") == 1 and "Read-only file system" in err, err
    assert _inputs(run_dir) == before
    cfg["output"]["dir"] = str(tiny_fs / "runs2")
    code, _, err = run_cli(["run", str(_write(tmp_path, cfg, "b.yaml")), "-q"])
    assert code == 2 and err.count("\n") == 1 and "Read-only file system" in err, err
    record("ownership", "real read-only mount: run and resume refused")
