"""The first stage move of a session, planned in legs of at most `max_step_mm`.

Homing leaves every supported stage at its reference position `HOME_XY_MM` (Zaber `home`,
Prior `SIS` and the simulated stage all zero there), which is usually outside the library, so the
first move of a session can be longer than `max_step_mm` although every later move stays within
the library. The facade drives that move along the straight line in equal legs, each no longer
than `max_step_mm`; every leg is checked against the controller limits and the step limit, and
its read-back verified. Only the end point is a landing point (the probe stays retracted, with
the clearance the tilt needs over the whole path), so only it must lie inside the library fence.
Moves after the first one are never split: they are refused when longer than `max_step_mm`.
"""

from __future__ import annotations

import math

XY = tuple[float, float]
Range = tuple[float, float]

HOME_XY_MM: XY = (0.0, 0.0)


def plan_legs(start_mm: XY, target_mm: XY, max_step_mm: float) -> tuple[XY, ...]:
    """Waypoints from `start_mm` to `target_mm` (which ends the tuple exactly), equally spaced
    on the straight line so that no leg is longer than `max_step_mm`."""
    n = max(1, math.ceil(math.dist(start_mm, target_mm) / max_step_mm - 1e-9))
    (sx, sy), (tx, ty) = start_mm, target_mm
    legs = [(sx + (tx - sx) * k / n, sy + (ty - sy) * k / n) for k in range(1, n)]
    return (*legs, (tx, ty))


def outside_limits(point_mm: XY, limits_mm: tuple[Range, Range]) -> bool:
    """True when a point lies outside the axis limits programmed into the controller."""
    (x0, x1), (y0, y1) = limits_mm
    return not (x0 <= point_mm[0] <= x1 and y0 <= point_mm[1] <= y1)
