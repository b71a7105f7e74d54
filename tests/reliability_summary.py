"""Counters the reliability tests fill in and `make check-reliability` prints at the end.

Tests call `record(section, key, n)`; `tests/conftest.py` prints every non-empty section as a
table in pytest's terminal summary (so the default suite prints its own, smaller numbers).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

COUNTS: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
TITLES = {
    "kill": "crash consistency (SIGKILL at random writes, then resume)",
    "fault": "instrument fault matrix (injected -> expected outcome)",
    "fuzz": "bad-input fuzzing (hypothesis): cases run; each one line, exit 2, input unchanged",
    "numerics": "GP fallbacks (degenerate data -> deterministic pick + warning event)",
    "ownership": "locks, disk full, read-only run directories",
    "damage": "damaged run directories (cases x resume/plot/report -> outcome)",
}


def record(section: str, key: str, n: int = 1) -> None:
    COUNTS[section][key] += n


def write_summary(write_line: Callable[[str], None]) -> None:
    if not any(COUNTS.values()):
        return
    write_line("")
    write_line("reliability summary (this session)")
    for section, counts in COUNTS.items():
        if not counts:
            continue
        write_line(f"  {TITLES.get(section, section)}")
        width = max(len(k) for k in counts)
        for key, n in sorted(counts.items()):
            write_line(f"    {key:<{width}}  {n:>7d}")
