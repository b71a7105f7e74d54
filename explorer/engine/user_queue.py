"""The user's queue file: locations a scientist wants measured next, overriding the strategy.

`queue.txt` in the run directory is append-only from the user's side; each line is one of

    17                 a location id
    id 17              the same
    x_mm=3.2 y_mm=1.0  a stage position on the library (the location there is taken)
    3.2, 1.0           the same
    # comment          ignored

Lines are parsed strictly: at most MAX_LINE_CHARS characters, ids of at most 9 digits that the
library has, finite positions within half a location pitch of a library location (a position
off the library is rejected, never moved to the nearest location; library locations lie inside
the safety fence, which validate checks). A rejected line is logged with a short excerpt.

The runner reads it before every decision and takes lines it has not seen yet (how many it has
consumed is derivable from the `queue_taken` events, so a resumed run does not re-take lines).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from explorer.engine.line_files import new_lines
from explorer.errors import StrategyError, short_text
from explorer.library import CandidateSet

MAX_LINE_CHARS = 200
EXCERPT_CHARS = 60  # of a rejected line, in its event
_NUM = r"[-+]?(?:\d{1,12}\.?\d{0,12}|\.\d{1,12})(?:[eE][-+]?\d{1,3})?"
_ID = re.compile(r"^(?:id\s*[:=]?\s*)?(\d{1,9})$", re.IGNORECASE)
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
    """Parse one line; None for blank lines and comments. `text` of the entry is an excerpt
    (EXCERPT_CHARS) when the line is rejected, so a huge line never lands in the log."""
    if len(text) > MAX_LINE_CHARS:
        return QueueEntry(
            line_no,
            short_text(text, EXCERPT_CHARS),
            error=f"line is {len(text)} characters long, at most {MAX_LINE_CHARS} are read",
        )
    t = text.split("#", 1)[0].strip()
    if not t:
        return None
    if m := _ID.match(t):
        return QueueEntry(line_no, text.strip(), location_id=int(m.group(1)))
    if m := _XY_KW.match(t) or _XY.match(t):
        xy = (float(m.group(1)), float(m.group(2)))
        if all(math.isfinite(v) for v in xy):
            return QueueEntry(line_no, text.strip(), xy_mm=xy)
    return QueueEntry(
        line_no,
        short_text(text, EXCERPT_CHARS),
        error="expected a location id ('17') or a finite position ('x_mm=3.2 y_mm=1.0')",
    )


def location_at(library: CandidateSet, x_mm: float, y_mm: float) -> int:
    """The library location at a stage position: within half the library's typical pitch
    (median nearest-neighbour distance), else StrategyError; never the nearest one farther
    away."""
    pos = library.positions_mm
    tree = cKDTree(pos)
    dist, row = tree.query([x_mm, y_mm])
    tol = _half_pitch_mm(tree, pos)
    if not dist <= tol:
        raise StrategyError(
            f"position ({x_mm:g}, {y_mm:g}) mm is not on the library: the nearest location "
            f"({int(library.ids[int(row)])}) is {dist:.3g} mm away, more than {tol:.3g} mm; "
            "give a location id or a position on the library"
        )
    return int(library.ids[int(row)])


def _half_pitch_mm(tree: cKDTree, pos: np.ndarray) -> float:
    if len(pos) < 2:
        return 1e-6
    d, _ = tree.query(pos, k=2)
    return 0.5 * float(np.median(d[:, 1]))


def read_new_entries(path: Path, consumed_lines: int) -> list[QueueEntry]:
    """Entries after the first `consumed_lines` lines (only complete, newline-terminated lines:
    a line the user is still typing is left for the next read)."""
    out = []
    for k, text in new_lines(path, consumed_lines):
        entry = parse_line(k, text)
        out.append(entry if entry is not None else QueueEntry(k, "", error="blank"))
    return out
