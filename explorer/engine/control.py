"""The control file: steering actions for a running campaign, one line each.

`control.txt` in the run directory is append-only (like queue.txt and votes.txt, and read by
the runner at the same point, before every decision and while it waits); each line is one of

    approve 17                  release the move to location 17 (the approval gate)
    veto 17 wrong phase         drop suggestion 17; the strategy chooses again
    pause                       stop before the next move, until `resume`
    resume
    abort                       stop the run (the instrument is made safe)
    weight beta=2.5             set a weight the strategy exposes (see explorer.engine.steering)
    # comment                   ignored

followed by optional `by=NAME` (who acted) and `at=TIME` (when, UTC ISO 8601) tokens and a
free-text note. `explorer serve` writes these lines; a person may append them by hand. Each
line the runner takes becomes a `steered` event, so how many lines were consumed is derivable
from the log and a resumed run neither re-reads nor forgets them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from explorer.engine.line_files import new_lines

CONTROL_FILE = "control.txt"
MAX_LINE_CHARS = 500
Action = Literal["approve", "veto", "pause", "resume", "abort", "weight"]
ACTIONS: tuple[Action, ...] = ("approve", "veto", "pause", "resume", "abort", "weight")
MOVES: frozenset[str] = frozenset({"approve", "resume"})  # actions that let hardware move

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NAME = r"[A-Za-z_][A-Za-z0-9_.]{0,80}"
_WHO = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_HEAD = {
    "approve": re.compile(r"^(\d+)$"),
    "veto": re.compile(r"^(\d+)$"),
    "weight": re.compile(rf"^({_NAME})=({_NUM})$"),
}
_USAGE = (
    "expected 'approve ID', 'veto ID', 'pause', 'resume', 'abort' or 'weight NAME=VALUE' "
    "(then optional by=NAME at=TIME and a note)"
)


@dataclass(frozen=True)
class ControlEntry:
    """One control line: an action, or an error message."""

    line: int  # 1-based line number in control.txt
    text: str
    action: Action | None = None
    location_id: int | None = None
    name: str = ""
    value: float | None = None
    by: str = ""
    at: str = ""
    note: str = ""
    error: str | None = None


def parse_control_line(line_no: int, text: str) -> ControlEntry | None:
    """Parse one line; None for blank lines and comments."""
    t = text.strip()
    if not t or t.startswith("#"):
        return None
    if len(t) > MAX_LINE_CHARS:
        return ControlEntry(line_no, t[:80] + "…", error=f"line longer than {MAX_LINE_CHARS}")
    words = t.split()
    verb = words[0].lower()
    if verb not in ACTIONS:
        return ControlEntry(line_no, t, error=_USAGE)
    action: Action = verb
    rest = words[1:]
    entry = ControlEntry(line_no, t, action)
    if action in _HEAD:
        m = _HEAD[action].match(rest[0]) if rest else None
        if m is None:
            return ControlEntry(line_no, t, error=_USAGE)
        rest = rest[1:]
        if action == "weight":
            entry = ControlEntry(line_no, t, action, name=m.group(1), value=float(m.group(2)))
        else:
            entry = ControlEntry(line_no, t, action, location_id=int(m.group(1)))
    return _with_tail(entry, rest)


def _with_tail(entry: ControlEntry, rest: list[str]) -> ControlEntry:
    """Take the by= / at= tokens and the note from the words after the action."""
    by = at = ""
    note: list[str] = []
    for w in rest:
        if w.startswith("by=") and not by and not note:
            by = w[3:]
        elif w.startswith("at=") and not at and not note:
            at = w[3:]
        else:
            note.append(w)
    if by and not _WHO.match(by):
        return ControlEntry(entry.line, entry.text, error="by= takes letters, digits, _.@- only")
    return ControlEntry(
        entry.line,
        entry.text,
        entry.action,
        entry.location_id,
        entry.name,
        entry.value,
        by,
        at,
        " ".join(note),
    )


def read_new_controls(path: Path, consumed_lines: int) -> list[ControlEntry]:
    """Entries after the first `consumed_lines` lines (complete, newline-terminated lines only;
    blank and comment lines come back with error 'blank' so they are consumed)."""
    return [
        entry
        if (entry := parse_control_line(k, text)) is not None
        else ControlEntry(k, "", error="blank")
        for k, text in new_lines(path, consumed_lines)
    ]


def format_control(
    action: Action,
    *,
    location_id: int | None = None,
    name: str = "",
    value: float | None = None,
    by: str = "",
    at: str = "",
    note: str = "",
) -> str:
    """One control.txt line (without the newline); raises ValueError for an action it cannot
    write (the same rules the reader applies)."""
    head: str = action
    if action in ("approve", "veto"):
        if location_id is None or location_id < 0:
            raise ValueError(f"{action} needs a location id")
        head = f"{action} {int(location_id)}"
    elif action == "weight":
        if value is None or not re.fullmatch(_NAME, name):
            raise ValueError("weight needs a name (letters, digits, _ and .) and a value")
        head = f"weight {name}={float(value)!r}"
    parts = [head] + ([f"by={by}"] if by else []) + ([f"at={at}"] if at else [])
    text = " ".join(note.split())
    line = " ".join(parts) + (f" {text}" if text else "")
    entry = parse_control_line(1, line)
    if entry is None or entry.error:
        raise ValueError(entry.error if entry else "empty control line")
    return line
