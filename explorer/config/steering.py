"""Steering from outside the process: the optional approval gate before each strategy move."""

from __future__ import annotations

from typing import Literal

from explorer.config.strict_base import PositiveFloat, Strict


class SteeringConfig(Strict):
    """`steering:` in a campaign YAML.

    approval: `required` makes the runner wait, before it moves to a location the strategy
        chose, for an `approve` or `veto` line in RUN_DIR/control.txt (written by
        `explorer serve`'s page or by hand); `none` (default) moves at once. Locations a person
        chose (queue, initial_points) need no approval.
    timeout_s: how long to wait for a verdict.
    on_timeout: what the runner does when no verdict came: `veto` the location (the strategy
        chooses again), `approve` it, or `pause` the run until a `resume` line.
    """

    approval: Literal["none", "required"] = "none"
    timeout_s: PositiveFloat = 600.0
    on_timeout: Literal["veto", "approve", "pause"] = "pause"
