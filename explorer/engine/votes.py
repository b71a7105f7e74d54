"""The human gate's votes file: good/bad verdicts on measured spectra (SANE's human in the loop).

`votes.txt` in the run directory is append-only; each line is

    17 good                          location 17's spectrum is interesting
    17 bad  tip artefact, ignore     a verdict with a comment (the reason)
    17 bad via=interactive why       written by `explorer vote` (the source is logged)
    # comment                        ignored

A line longer than MAX_LINE_CHARS or with an id of more than 9 digits is rejected (logged with a
short excerpt); a vote on a location that is not measured is rejected by the runner.

The runner reads the file before every decision, takes the lines it has not seen yet, logs each
as a `voted` event (malformed lines and votes on unmeasured locations as rejected `voted` events)
and hands the accepted verdicts to the strategy through `Campaign.votes` (a later vote on the
same location replaces the earlier one). How many lines were consumed is derivable from the
events, so a resumed run rebuilds `Campaign.votes` and does not re-read lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from explorer.engine.line_files import append_line, new_lines
from explorer.errors import short_text

VOTES_FILE = "votes.txt"
Source = Literal["file", "interactive"]
MAX_LINE_CHARS = 200
EXCERPT_CHARS = 60  # of a rejected line, in its event
_LINE = re.compile(
    r"^(?:id\s*[:=]?\s*)?(\d{1,9})\s+(good|bad|\+1|-1)(?:\s+via=(file|interactive))?(?:\s+(.*))?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class VoteEntry:
    """One votes line: a verdict on a location, or an error message."""

    line: int  # 1-based line number in votes.txt
    text: str
    location_id: int | None = None
    vote: int = 0  # +1 good, -1 bad, 0 for a malformed line
    source: Source = "file"
    reason: str = ""
    error: str | None = None


def parse_vote_line(line_no: int, text: str) -> VoteEntry | None:
    """Parse one line; None for blank lines and comments."""
    if len(text) > MAX_LINE_CHARS:
        return VoteEntry(
            line_no,
            short_text(text, EXCERPT_CHARS),
            error=f"line is {len(text)} characters long, at most {MAX_LINE_CHARS} are read",
        )
    t = text.strip()
    if not t or t.startswith("#"):
        return None
    m = _LINE.match(t)
    if m is None:
        return VoteEntry(
            line_no,
            short_text(t, EXCERPT_CHARS),
            error="expected '<location_id> good|bad [comment]' (e.g. '17 bad tip artefact')",
        )
    verdict = m.group(2).lower()
    vote = 1 if verdict in ("good", "+1") else -1
    source: Source = "interactive" if (m.group(3) or "").lower() == "interactive" else "file"
    return VoteEntry(line_no, t, int(m.group(1)), vote, source, (m.group(4) or "").strip())


def read_new_votes(path: Path, consumed_lines: int) -> list[VoteEntry]:
    """Entries after the first `consumed_lines` lines (complete, newline-terminated lines only;
    blank and comment lines come back as entries with error 'blank' so they are consumed)."""
    return [
        entry
        if (entry := parse_vote_line(k, text)) is not None
        else VoteEntry(k, "", error="blank")
        for k, text in new_lines(path, consumed_lines)
    ]


def format_vote(location_id: int, vote: int, reason: str = "", source: Source = "file") -> str:
    """One votes.txt line (without the newline); the reason is kept on one line and short
    enough for the line to be read back (MAX_LINE_CHARS)."""
    if vote not in (1, -1):
        raise ValueError(f"vote must be +1 (good) or -1 (bad), got {vote}")
    word = "good" if vote > 0 else "bad"
    via = " via=interactive" if source == "interactive" else ""
    text = short_text(reason, MAX_LINE_CHARS - 40)
    return f"{int(location_id)} {word}{via}" + (f" {text}" if text else "")


def append_vote(
    run_dir: Path, location_id: int, vote: int, reason: str = "", source: Source = "file"
) -> str:
    """Append one verdict to RUN_DIR/votes.txt (a whole line in one write, fsynced); returns it.
    If the file's last line is unterminated (a hand edit), a newline goes first."""
    line = format_vote(location_id, vote, reason, source)
    path = Path(run_dir) / VOTES_FILE
    append_line(path, line)
    return line
