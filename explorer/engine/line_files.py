"""The operator's line files (queue.txt, votes.txt, control.txt): read what was appended.

Each is read the same way: only complete, newline-terminated lines count (a line the user or the
dashboard is still writing is left for the next read), numbered from 1, and a caller passes how
many lines the log says were consumed already, so a resumed run neither re-reads nor skips any.
"""

from __future__ import annotations

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
