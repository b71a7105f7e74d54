"""Spot bookkeeping: never measure the same µm² twice (reference §4.6 re-switching memory, §6.5).

A location is a few-µm window reached by the XY scanner around the stage position; each visit
uses the nearest unused point of a square grid of pitch `pitch_um`, and a spot is fresh only if
it lies ≥ `offset_um` from every spot used there before (also in earlier sessions: the facade
restores the book from journal.jsonl).
"""

from __future__ import annotations

import math
from collections import defaultdict

SPIRAL_RADIUS = 6  # grid points per side of the search window: 13 × 13 spots per location


class SpotBook:
    """Spots used per location (µm offsets from the location's stage position)."""

    def __init__(self, offset_um: float, pitch_um: float) -> None:
        if pitch_um < offset_um:
            raise ValueError(
                f"spot pitch {pitch_um} µm must be ≥ the minimum offset {offset_um} µm"
            )
        self.offset_um = offset_um
        self.pitch_um = pitch_um
        self.used: dict[int, list[tuple[float, float]]] = defaultdict(list)
        r = range(-SPIRAL_RADIUS, SPIRAL_RADIUS + 1)
        grid = [(i * pitch_um, j * pitch_um) for i in r for j in r]
        self._order = sorted(grid, key=lambda p: (math.hypot(*p), math.atan2(p[1], p[0])))

    def is_fresh(self, location_id: int, dx_um: float, dy_um: float) -> bool:
        return all(math.dist((dx_um, dy_um), s) >= self.offset_um for s in self.used[location_id])

    def next_spot(self, location_id: int) -> tuple[float, float]:
        """The nearest fresh grid point (the location's centre on the first visit)."""
        for dx, dy in self._order:
            if self.is_fresh(location_id, dx, dy):
                return dx, dy
        return self._order[-1]  # exhausted: the facade's fresh_spot rule refuses it

    def add(self, location_id: int, dx_um: float, dy_um: float) -> None:
        self.used[location_id].append((float(dx_um), float(dy_um)))
