"""control.txt: the line format the runner reads and the dashboard writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.engine.control import (
    CONTROL_FILE,
    MAX_LINE_CHARS,
    format_control,
    parse_control_line,
    read_new_controls,
)
from explorer.engine.line_files import append_line


def test_parse_each_action() -> None:
    assert parse_control_line(1, "   ") is None and parse_control_line(1, "# note") is None
    a = parse_control_line(2, "approve 17 by=alice@127.0.0.1 at=2026-01-01T00:00:00Z looks fine")
    assert a is not None and (a.action, a.location_id, a.by, a.note) == (
        "approve",
        17,
        "alice@127.0.0.1",
        "looks fine",
    )
    assert a.at == "2026-01-01T00:00:00Z" and a.error is None and a.line == 2
    w = parse_control_line(3, "weight options.exploration_weight=0.25")
    assert w is not None and (w.action, w.name, w.value) == (
        "weight",
        "options.exploration_weight",
        0.25,
    )
    for verb in ("pause", "resume", "abort"):
        e = parse_control_line(1, f"{verb} by=bob")
        assert e is not None and (e.action, e.by, e.error) == (verb, "bob", None)


@pytest.mark.parametrize(
    "text",
    ["approve", "veto x", "weight beta", "weight beta=abc", "move 3", "approve 3 by=a;rm"],
)
def test_malformed_lines_say_what_is_expected(text: str) -> None:
    e = parse_control_line(4, text)
    assert e is not None and e.error and e.action is None


def test_overlong_line_is_refused() -> None:
    e = parse_control_line(1, "pause " + "x" * MAX_LINE_CHARS)
    assert e is not None and e.error is not None and "longer" in e.error


def test_format_round_trips_and_refuses_what_the_reader_would() -> None:
    line = format_control("veto", location_id=5, by="a", at="t", note="wrong\nphase")
    assert line == "veto 5 by=a at=t wrong phase"
    e = parse_control_line(1, line)
    assert e is not None and (e.action, e.location_id, e.note) == ("veto", 5, "wrong phase")
    assert format_control("weight", name="beta", value=2.0) == "weight beta=2.0"
    with pytest.raises(ValueError):
        format_control("approve")
    with pytest.raises(ValueError):
        format_control("weight", name="bad name", value=1.0)


def test_read_new_controls_takes_complete_lines_only(tmp_path: Path) -> None:
    path = tmp_path / CONTROL_FILE
    assert read_new_controls(path, 0) == []
    path.write_text("# steering\npause")  # the last line is still being typed
    assert [e.error for e in read_new_controls(path, 0)] == ["blank"]
    append_line(path, "resume by=x")  # newline first, so it is not glued to 'pause'
    entries = read_new_controls(path, 1)
    assert [(e.line, e.action) for e in entries] == [(2, "pause"), (3, "resume")]
    with pytest.raises(ValueError):
        append_line(path, "pause\nabort")
