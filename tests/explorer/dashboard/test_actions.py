"""Actions are lines in the runner's own control files, readable by the runner's own parsers;
read-only serving and unarmed lab instruments refuse them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from explorer.dashboard.actions import ActionRefusedError, RunAccess, perform, who
from explorer.dashboard.runs import hardware_access
from explorer.engine.control import CONTROL_FILE, read_new_controls
from explorer.engine.rundir import QUEUE_FILE
from explorer.engine.user_queue import read_new_entries
from explorer.engine.votes import VOTES_FILE, read_new_votes

OPEN = RunAccess(writable=True, moves_allowed=True)


def test_steering_actions_go_to_control_txt(tmp_path: Path) -> None:
    by = who("alice smith", "127.0.0.1")
    assert by == "alicesmith@127.0.0.1"
    perform(tmp_path, OPEN, {"action": "approve", "location_id": 17, "reason": "ok"}, by)
    perform(tmp_path, OPEN, {"action": "veto", "location_id": "18"}, by)
    perform(tmp_path, OPEN, {"action": "pause"}, by)
    perform(tmp_path, OPEN, {"action": "weight", "name": "beta", "value": "2.5"}, by)
    entries = read_new_controls(tmp_path / CONTROL_FILE, 0)
    assert [(e.action, e.location_id, e.error) for e in entries] == [
        ("approve", 17, None),
        ("veto", 18, None),
        ("pause", None, None),
        ("weight", None, None),
    ]
    assert all(e.by == by and e.at.endswith("Z") for e in entries)
    assert entries[0].note == "ok" and entries[3].value == 2.5


def test_queue_and_vote_use_their_own_files_and_formats(tmp_path: Path) -> None:
    perform(tmp_path, OPEN, {"action": "queue", "location_id": 7}, "bob@127.0.0.1")
    perform(tmp_path, OPEN, {"action": "queue", "x_mm": 3.2, "y_mm": 1.0}, "bob@127.0.0.1")
    queued = read_new_entries(tmp_path / QUEUE_FILE, 0)
    assert [(q.location_id, q.xy_mm, q.error) for q in queued] == [
        (7, None, None),
        (None, (3.2, 1.0), None),
    ]
    assert "by=bob@127.0.0.1" in queued[0].text
    perform(
        tmp_path, OPEN, {"action": "vote", "location_id": 7, "vote": "bad", "reason": "tip"}, "b"
    )
    (vote,) = read_new_votes(tmp_path / VOTES_FILE, 0)
    assert (vote.location_id, vote.vote, vote.source, vote.error) == (7, -1, "interactive", None)
    assert vote.reason.startswith("tip by=b at=")


@pytest.mark.parametrize(
    "body",
    [
        {"action": "approve"},
        {"action": "veto", "location_id": "x"},
        {"action": "weight", "name": "beta", "value": "nan"},
        {"action": "vote", "location_id": 3, "vote": "maybe"},
        {"action": "queue"},
        {"action": "launch"},
        {"action": "pause", "reason": "x" * 500},
    ],
)
def test_bad_actions_are_refused_and_nothing_is_written(tmp_path: Path, body: Any) -> None:
    with pytest.raises(ActionRefusedError):
        perform(tmp_path, OPEN, body, "a")
    assert not any(tmp_path.iterdir())


def test_read_only_and_unarmed_hardware_refuse(tmp_path: Path) -> None:
    ro = RunAccess(writable=False, moves_allowed=True)
    with pytest.raises(ActionRefusedError, match="read-only"):
        perform(tmp_path, ro, {"action": "pause"}, "a")
    unarmed = RunAccess(True, False, "not armed")
    for action in ("approve", "resume", "queue"):
        with pytest.raises(ActionRefusedError, match="would move hardware"):
            perform(tmp_path, unarmed, {"action": action, "location_id": 1}, "a")
    perform(tmp_path, unarmed, {"action": "pause"}, "a")  # stopping is always allowed
    assert (tmp_path / CONTROL_FILE).read_text().startswith("pause")


def _log(instrument: dict[str, Any], arming: str = "", *changes: str) -> list[dict[str, Any]]:
    started = {"type": "run_started", "config": {"instrument": instrument}, "arming": arming}
    return [started, *({"type": "arming_changed", "current": c} for c in changes)]


def test_only_an_armed_lab_run_may_be_moved_from_the_browser() -> None:
    assert hardware_access(_log({"kind": "sim"}, "simulator")) == (True, "")
    assert hardware_access(_log({"kind": "replay"}, "replay"))[0]
    ok, why = hardware_access(_log({"kind": "lab"}, "dry_run"))
    assert not ok and "--arm-hardware" in why
    assert not hardware_access(_log({"kind": "lab"}))[0]  # no arming recorded: not armed
    assert hardware_access(_log({"kind": "lab"}, "armed"))[0]
    assert not hardware_access(_log({"kind": "lab"}, "armed", "dry_run"))[0]
    assert hardware_access(_log({"kind": "lab"}, "dry_run", "armed"))[0]
    assert not hardware_access([])[0]
