"""queue.txt is parsed strictly: a length limit, ids of at most 9 digits that the library has,
positions on the library (never snapped from far away), and rejected lines logged with a short
excerpt."""

from __future__ import annotations

import pytest

from explorer.config import parse_config
from explorer.engine.events import Measured, QueueTaken, read_events
from explorer.engine.session import start_new
from explorer.engine.user_queue import EXCERPT_CHARS, MAX_LINE_CHARS, location_at, parse_line
from explorer.errors import StrategyError


def test_an_oversized_line_is_rejected_with_an_excerpt() -> None:
    for text in ("9" * 5000, "1" * (MAX_LINE_CHARS + 1), "x" * 5_000_000):
        e = parse_line(1, text)
        assert e is not None and e.error is not None and "characters long" in e.error
        assert len(e.text) <= EXCERPT_CHARS
    e = parse_line(1, "1234567890")  # ten digits: not an id
    assert e is not None and e.error is not None and len(e.text) <= EXCERPT_CHARS


def test_non_finite_positions_are_rejected() -> None:
    for text in ("x_mm=1e999 y_mm=0", "nan, 1", "inf, inf"):
        e = parse_line(1, text)
        assert e is not None and e.error is not None, text


def test_a_position_off_the_library_is_rejected_not_snapped(make_config) -> None:
    from explorer.engine.build import build_library

    library = build_library(parse_config(make_config()))
    assert location_at(library, 7.0, 1.0) == 48
    assert location_at(library, 7.1, 1.05) == 48  # within half a pitch
    for x, y in ((1000.0, 0.0), (7.0, 1.6), (-0.5, 0.0)):
        with pytest.raises(StrategyError, match="not on the library"):
            location_at(library, x, y)


def test_rejected_lines_are_logged_short_and_the_run_goes_on(make_config) -> None:
    session = start_new(parse_config(make_config(stop={"max_points": 3})))
    lines = ["9" * 5000, "x_mm=1000 y_mm=0", "x_mm=1e999 y_mm=0", "99999", "x" * 100_000, "20"]
    (session.run_dir / "queue.txt").write_text("\n".join(lines) + "\n")
    try:
        outcome = session.runner.run()
    finally:
        session.close()
    assert outcome.status == "success"
    events = read_events(session.run_dir / "events.jsonl").events
    taken = [e for e in events if isinstance(e, QueueTaken)]
    assert [t.accepted for t in taken] == [False] * 5 + [True]
    assert all(len(t.entry) <= EXCERPT_CHARS for t in taken)
    assert "not on the library" in taken[1].reason and "not in the library" in taken[3].reason
    assert next(e.location_id for e in events if isinstance(e, Measured)) == 20
    assert (session.run_dir / "events.jsonl").stat().st_size < 200_000
