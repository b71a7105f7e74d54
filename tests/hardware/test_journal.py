"""The hardware journal on disk: records append across sessions with continuing sequence
numbers, values are made JSON-plain, a torn last line is set aside (never glued to), a corrupt
middle line is an error, and the hardware lock names its owner."""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

from hardware.clock import SimClock
from hardware.errors import HardwareError
from hardware.journal import (
    JOURNAL_FILE,
    HardwareLock,
    Journal,
    lock_path_for,
    read_journal,
    repair_torn_tail,
)


def _journal(tmp_path: Path, clock: SimClock | None = None) -> Journal:
    return Journal(tmp_path / JOURNAL_FILE, (clock or SimClock()).now_s)


def test_sessions_append_with_continuing_sequence(tmp_path) -> None:
    clock = SimClock(5.0)
    first = _journal(tmp_path, clock)
    first.write("state", "facade", to="READY")
    first.write("io", "stage", dir="tx", line="home")
    first.close()
    second = _journal(tmp_path, clock)
    rec = second.write("state", "facade", to="FAULT")
    second.close()
    assert rec["seq"] == 2 and rec["t_s"] == 5.0
    assert [r["seq"] for r in second.all_records()] == [0, 1, 2]
    assert [r["to"] for r in read_journal(tmp_path / JOURNAL_FILE) if "to" in r] == [
        "READY",
        "FAULT",
    ]


def test_values_are_written_as_plain_json(tmp_path) -> None:
    j = _journal(tmp_path)
    rec = j.write(
        "note", "t", x=np.float64(1.5), bad=math.nan, tags={"b", "a"}, xy=(1, 2), p=Path("/p")
    )
    j.close()
    assert rec["x"] == 1.5 and rec["bad"] is None and rec["tags"] == ["a", "b"]
    assert rec["xy"] == [1, 2] and rec["p"] == "/p"
    line = (tmp_path / JOURNAL_FILE).read_text().splitlines()[0]
    assert json.loads(line)["tags"] == ["a", "b"]


def test_a_torn_last_line_is_set_aside_and_noted(tmp_path) -> None:
    path = tmp_path / JOURNAL_FILE
    path.write_text('{"seq": 0, "kind": "open"}\n{"seq": 1, "ki')
    j = _journal(tmp_path)
    j.open_record(run="r")
    j.close()
    assert (tmp_path / "journal.torn-0.txt").read_text() == '{"seq": 1, "ki'
    records = read_journal(path)
    assert [r["seq"] for r in records] == [0, 1, 2]
    assert records[2]["kind"] == "note" and "torn by a crash" in records[2]["message"]


def test_an_intact_journal_is_left_alone(tmp_path) -> None:
    path = tmp_path / JOURNAL_FILE
    path.write_text('{"seq": 0}\n')
    assert repair_torn_tail(path) is None
    assert path.read_text() == '{"seq": 0}\n'


def test_a_corrupt_middle_line_is_an_error_naming_the_line(tmp_path) -> None:
    path = tmp_path / JOURNAL_FILE
    path.write_text('{"seq": 0}\nnot json\n{"seq": 2}\n')
    with pytest.raises(HardwareError, match="line 2 is not JSON; the journal is corrupt"):
        read_journal(path)


def test_a_failed_write_is_kept_and_blocks_the_next_move(tmp_path) -> None:
    j = _journal(tmp_path)
    j.require_writable()
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full to make the disk full")
    j._fh.close()
    j._fh = open("/dev/full", "a", encoding="utf-8")  # noqa: SIM115 - the disk is now full
    j.write("state", "facade", to="SAFE")  # never raises: making safe must not need a disk
    with pytest.raises(HardwareError, match="cannot write the hardware journal"):
        j.require_writable()
    full, j._fh = j._fh, None
    with contextlib.suppress(OSError):  # the unflushed record cannot reach a full disk
        full.close()


def test_the_lock_is_exclusive_and_names_the_owner(tmp_path) -> None:
    path = lock_path_for("/dev/ttyUSB0", tmp_path / "locks")
    assert path.name == "dev_ttyUSB0.lock"
    a = HardwareLock(path, "/dev/ttyUSB0").acquire()
    assert a.acquire() is a and a.held
    with pytest.raises(HardwareError, match=r"owned by another process \(pid"):
        HardwareLock(path, "/dev/ttyUSB0").acquire()
    a.release()
    b = HardwareLock(path, "/dev/ttyUSB0").acquire()
    assert b.held
    b.release()
