"""The user's queue file: locations a scientist wants measured next, overriding the strategy.

`queue.txt` in the run directory is append-only from the user's side; each line is one of

    17                 a location id
    id 17              the same
    x_mm=3.2 y_mm=1.0  a stage position (the nearest library location is taken)
    3.2, 1.0           the same
    # comment          ignored

The runner reads it before every decision and takes lines it has not seen yet (how many it has
consumed is derivable from the `queue_taken` events, so a resumed run does not re-take lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_ID = re.compile(r"^(?:id\s*[:=]?\s*)?(\d+)$", re.IGNORECASE)
_XY_KW = re.compile(rf"^x_mm\s*[:=]\s*({_NUM})[\s,;]+y_mm\s*[:=]\s*({_NUM})$", re.IGNORECASE)
_XY = re.compile(rf"^({_NUM})\s*[,;\s]\s*({_NUM})$")


@dataclass(frozen=True)
class QueueEntry:
    """One queue line: a location id, or a stage position, or an error message."""

    line: int  # 1-based line number in queue.txt
    text: str
    location_id: int | None = None
    xy_mm: tuple[float, float] | None = None
    error: str | None = None


def parse_line(line_no: int, text: str) -> QueueEntry | None:
    """Parse one line; None for blank lines and comments."""
    t = text.split("#", 1)[0].strip()
    if not t:
        return None
    if m := _ID.match(t):
        return QueueEntry(line_no, text.strip(), location_id=int(m.group(1)))
    if m := _XY_KW.match(t) or _XY.match(t):
        return QueueEntry(line_no, text.strip(), xy_mm=(float(m.group(1)), float(m.group(2))))
    return QueueEntry(
        line_no,
        text.strip(),
        error="expected a location id ('17') or a position ('x_mm=3.2 y_mm=1.0')",
    )


def read_new_entries(path: Path, consumed_lines: int) -> list[QueueEntry]:
    """Entries after the first `consumed_lines` lines (only complete, newline-terminated lines:
    a line the user is still typing is left for the next read)."""
    try:
        data = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    lines = data.split("\n")[:-1]  # drop the unterminated tail
    out = []
    for k, text in enumerate(lines[consumed_lines:], start=consumed_lines + 1):
        entry = parse_line(k, text)
        out.append(entry if entry is not None else QueueEntry(k, "", error="blank"))
    return out
