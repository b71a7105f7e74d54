"""Actions from the page, written to the run's own control files and nowhere else.

Queue and vote go to queue.txt and votes.txt in their line formats; approve, veto, pause,
resume, abort and weight go to control.txt (explorer.engine.control). The runner reads all three
at the same point before every decision and logs each line it takes as an event, with who acted
(`by=`) and when (`at=`), so the log alone says what happened and a resumed run reproduces it.
The server never writes events.jsonl.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from explorer.engine.control import CONTROL_FILE, MOVES, format_control
from explorer.engine.line_files import append_line
from explorer.engine.rundir import QUEUE_FILE
from explorer.engine.votes import append_vote
from explorer.errors import ExplorerError

MAX_REASON_CHARS = 200
_WHO_BAD = re.compile(r"[^A-Za-z0-9_.@-]")


class ActionRefusedError(ExplorerError):
    """An action the dashboard will not write (the message says why and what to do)."""


@dataclass(frozen=True)
class RunAccess:
    """What the dashboard may do to one run.

    writable: actions are allowed at all (`--runs` serves read-only unless told otherwise).
    moves_allowed: actions that let hardware move (approve, resume, queue) are allowed; false
        for a lab instrument whose run was not armed on the command line.
    why_not_moves: the reason, when they are not.
    """

    writable: bool
    moves_allowed: bool
    why_not_moves: str = ""


def who(name: str, client: str) -> str:
    """`name@client` with only the characters a control line allows."""
    clean = _WHO_BAD.sub("", name)[:32] or "browser"
    return f"{clean}@{_WHO_BAD.sub('', client)[:30] or 'unknown'}"


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def perform(run_dir: Path, access: RunAccess, body: dict[str, Any], by: str) -> str:
    """Write one action; returns the line written. Raises ActionRefusedError."""
    action = str(body.get("action", ""))
    if not access.writable:
        raise ActionRefusedError(
            "this dashboard serves the runs read-only; restart it with --allow-actions"
        )
    if (action in MOVES or action == "queue") and not access.moves_allowed:
        raise ActionRefusedError(f"{action} would move hardware: {access.why_not_moves}")
    at = now_utc()
    try:
        if action == "queue":
            return _queue(run_dir, body, by, at)
        if action == "vote":
            return _vote(run_dir, body, by, at)
        line = format_control(
            action,  # type: ignore[arg-type]
            location_id=_int_or_none(body.get("location_id")),
            name=str(body.get("name", "")),
            value=_float_or_none(body.get("value")),
            by=by,
            at=at,
            note=_reason(body),
        )
    except ValueError as exc:
        raise ActionRefusedError(f"{action or 'action'}: {exc}") from None
    append_line(run_dir / CONTROL_FILE, line)
    return line


def _queue(run_dir: Path, body: dict[str, Any], by: str, at: str) -> str:
    lid = _int_or_none(body.get("location_id"))
    if lid is not None:
        head = str(lid)
    else:
        x, y = _float_or_none(body.get("x_mm")), _float_or_none(body.get("y_mm"))
        if x is None or y is None:
            raise ValueError("queue needs a location_id or x_mm and y_mm")
        head = f"x_mm={x:.4f} y_mm={y:.4f}"
    line = f"{head}  # by={by} at={at}"
    append_line(run_dir / QUEUE_FILE, line)
    return line


def _vote(run_dir: Path, body: dict[str, Any], by: str, at: str) -> str:
    lid = _int_or_none(body.get("location_id"))
    verdict = str(body.get("vote", ""))
    if lid is None or verdict not in ("good", "bad"):
        raise ValueError("vote needs a location_id and vote 'good' or 'bad'")
    reason = " ".join(p for p in (_reason(body), f"by={by} at={at}") if p)
    return append_vote(run_dir, lid, 1 if verdict == "good" else -1, reason, source="interactive")


def _reason(body: dict[str, Any]) -> str:
    text = " ".join(str(body.get("reason", "") or body.get("note", "")).split())
    if len(text) > MAX_REASON_CHARS:
        raise ValueError(f"the reason is longer than {MAX_REASON_CHARS} characters")
    return text.replace("#", "")


def _int_or_none(v: Any) -> int | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool) or not isinstance(v, int | str):
        raise ValueError(f"not a location id: {v!r}")
    if isinstance(v, str) and not v.strip().isdigit():
        raise ValueError(f"not a location id: {v!r}")
    return int(v)


def _float_or_none(v: Any) -> float | None:
    if v is None or v == "":
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"not a number: {v!r}") from None
    if not math.isfinite(f):
        raise ValueError(f"not a finite number: {v!r}")
    return f
