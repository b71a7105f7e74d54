"""SpotBook: the first visit is the centre, later visits spiral outwards on the grid, a spot is
fresh only at least the offset from every used one, and an exhausted window is reported."""

from __future__ import annotations

import math

import pytest

from hardware.spots import SPIRAL_RADIUS, SpotBook


def test_first_spot_is_the_centre_then_the_nearest_ring() -> None:
    book = SpotBook(offset_um=1.0, pitch_um=1.0)
    assert book.next_spot(3) == (0.0, 0.0)
    book.add(3, 0.0, 0.0)
    dx, dy = book.next_spot(3)
    assert math.hypot(dx, dy) == pytest.approx(1.0)


def test_spots_are_fresh_per_location_and_by_distance() -> None:
    book = SpotBook(offset_um=2.0, pitch_um=2.0)
    book.add(1, 0.0, 0.0)
    assert not book.is_fresh(1, 1.5, 0.0)
    assert book.is_fresh(1, 2.0, 0.0)
    assert book.is_fresh(2, 0.0, 0.0)  # another location has its own book


def test_successive_spots_never_repeat_and_keep_the_offset() -> None:
    book = SpotBook(offset_um=1.5, pitch_um=2.0)
    used = []
    for _ in range(20):
        spot = book.next_spot(7)
        assert all(math.dist(spot, u) >= 1.5 for u in used)
        book.add(7, *spot)
        used.append(spot)
    assert len(set(used)) == 20


def test_exhausted_window_returns_a_used_spot_for_the_facade_to_refuse() -> None:
    book = SpotBook(offset_um=1.0, pitch_um=1.0)
    side = 2 * SPIRAL_RADIUS + 1
    for _ in range(side * side):
        book.add(5, *book.next_spot(5))
    last = book.next_spot(5)
    assert not book.is_fresh(5, *last)


def test_pitch_below_the_offset_is_refused_with_both_numbers() -> None:
    with pytest.raises(ValueError, match=r"pitch 1.0 µm must be ≥ the minimum offset 2.0 µm"):
        SpotBook(offset_um=2.0, pitch_um=1.0)
