"""What a strategy config's `build()` gets from the campaign (objectives, directions, outcome
constraints): one value, so strategy configs and their registry need not import each other."""

from __future__ import annotations

from dataclasses import dataclass

from explorer.constraints import OutcomeConstraint


@dataclass(frozen=True)
class StrategyBuild:
    """What a strategy config may need to build itself.

    Attributes:
        objective_names: objectives in column order.
        directions: "maximize" / "minimize" per objective (empty: all maximised).
        constraints: the campaign's outcome constraints (user units).
        ref_point: the campaign's hypervolume reference point (user units), if it gives one.
    """

    objective_names: tuple[str, ...]
    directions: tuple[str, ...] = ()
    constraints: tuple[OutcomeConstraint, ...] = ()
    ref_point: dict[str, float] | None = None

    def sign(self, name: str) -> float:
        """+1 for a maximised objective (or an outcome), -1 for a minimised one."""
        if name in self.objective_names and self.directions:
            return -1.0 if self.directions[self.objective_names.index(name)] == "minimize" else 1.0
        return 1.0
