"""The operator's line files (queue.txt, votes.txt, control.txt): append a line, read what was
appended.

Each is read the same way: only complete, newline-terminated lines count (a line the user or the
dashboard is still writing is left for the next read), numbered from 1, and a caller passes how
many lines the log says were consumed already, so a resumed run neither re-reads nor skips any.
"""

from __future__ import annotations

import os
from pathlib import Path


def new_lines(path: Path, consumed_lines: int) -> list[tuple[int, str]]:
    """(line number, text) of every complete line after the first `consumed_lines`; [] when
    the file does not exist."""
    try:
        data = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    lines = data.split("\n")[:-1]  # drop the unterminated tail
    return list(enumerate(lines[consumed_lines:], start=consumed_lines + 1))


def append_line(path: Path, line: str) -> None:
    """Append one whole line (one write, fsynced); a newline goes first if the file's last line
    is unterminated (a hand edit), so the new line is never glued to it."""
    if "\n" in line or "\r" in line:
        raise ValueError("a line of an operator file cannot contain a line break")
    prefix = ""
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as f:
            f.seek(-1, os.SEEK_END)
            prefix = "" if f.read(1) == b"\n" else "\n"
    with path.open("a", encoding="utf-8") as f:
        f.write(prefix + line + "\n")
        f.flush()
        os.fsync(f.fileno())
