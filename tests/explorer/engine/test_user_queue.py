"""Parsing the user queue file."""

from __future__ import annotations

from explorer.engine.user_queue import parse_line


def test_parse_queue_lines() -> None:
    assert parse_line(1, "17").location_id == 17
    assert parse_line(1, "id: 4  # why").location_id == 4
    assert parse_line(1, "x_mm=3.2 y_mm=1.0").xy_mm == (3.2, 1.0)
    assert parse_line(1, "3.2, -1e-1").xy_mm == (3.2, -0.1)
    assert parse_line(1, "# note") is None
    assert parse_line(1, "somewhere nice").error is not None
