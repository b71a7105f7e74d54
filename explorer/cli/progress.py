"""The progress line of `explorer run/resume/replay`: an event-log subscriber (the runner knows
nothing of it) showing points done, the feasible best of every objective, the model's latest
recommendation and the instrument clock. It is seeded from the whole log, so a resumed run
shows the same numbers as before it stopped."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from explorer.constraints import OutcomeConstraint
from explorer.engine.events import Measured, Prepared, Recommended


class ProgressView:
    """Counts `measured` events, keeps the best feasible value per objective and the latest
    `recommended` event, and renders them as one rich progress line. With `preparing` (the
    strategy's name) the line reads "preparing <strategy>" until the `prepared` event, which
    is printed as a line of its own."""

    def __init__(
        self,
        total: int | None,
        objectives: Sequence[tuple[str, str]],
        constraints: Sequence[OutcomeConstraint],
        console: Console,
        preparing: str | None = None,
    ) -> None:
        self.signs = {n: (1.0 if d == "maximize" else -1.0) for n, d in objectives}
        self.constraints = tuple(constraints)
        self.best: dict[str, float] = {}
        self.n_infeasible = 0
        self.recommendation = "–"
        self.hours = 0.0
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} points"),
            TextColumn("{task.fields[best]}"),
            TextColumn("{task.fields[rec]}"),
            TextColumn("instrument {task.fields[hours]} h"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        description = f"preparing {preparing}" if preparing else "measuring"
        self.task = self.progress.add_task(description, total=total, **self._fields())  # type: ignore[arg-type]

    def seed(self, events: Iterable[Any]) -> None:
        """Take in the events already in the log (a resumed run) without drawing each one."""
        n = sum(self._note(ev) for ev in events)
        self.progress.update(self.task, completed=n, **self._fields())  # type: ignore[arg-type]

    def __call__(self, event: Any) -> None:
        if isinstance(event, Prepared):
            self.progress.console.print(prepared_text(event))
            self.progress.update(self.task, description="measuring")
            return
        if self._note(event) or self._is_recommendation(event):
            advance = 1 if self._is_measured(event) else 0
            self.progress.update(self.task, advance=advance, **self._fields())  # type: ignore[arg-type]

    @staticmethod
    def _is_measured(event: Any) -> bool:
        return isinstance(event, Measured)

    @staticmethod
    def _is_recommendation(event: Any) -> bool:
        return isinstance(event, Recommended)

    def _note(self, event: Any) -> bool:
        """Update the state from one event; True for a measurement."""
        if self._is_recommendation(event):
            self.recommendation = recommendation_text(event.points, self.signs)
            return False
        if not self._is_measured(event):
            return False
        self.hours = event.instrument_time_s / 3600
        values = {**event.outcomes, **event.objectives}
        if not self._feasible(values):
            self.n_infeasible += 1
            return True
        for name, sign in self.signs.items():
            v = float(values[name])  # finite: _feasible checked every objective
            if name not in self.best or sign * v > sign * self.best[name]:
                self.best[name] = v
        return True

    def _feasible(self, values: dict[str, float | None]) -> bool:
        def finite(name: str) -> bool:
            v = values.get(name)
            return v is not None and bool(np.isfinite(v))

        if not all(finite(n) for n in self.signs):
            return False
        return all(
            finite(c.name) and bool(c.satisfied(np.array([values[c.name]]))[0])
            for c in self.constraints
        )

    def _fields(self) -> dict[str, str]:
        best = ", ".join(f"{n} {v:.4g}" for n, v in self.best.items()) or "–"
        bad = f" ({self.n_infeasible} infeasible)" if self.n_infeasible else ""
        return {
            "best": f"best {best}{bad}",
            "rec": self.recommendation,
            "hours": f"{self.hours:.2f}",
        }


def recommendation_text(points: Sequence[dict[str, Any]], signs: dict[str, float]) -> str:
    """'rec. loc 42: loop_height 105±12', or 'rec. 7 Pareto points' for several."""
    if not points:
        return "rec. –"
    if len(points) > 1:
        return f"rec. {len(points)} Pareto points"
    p = points[0]
    vals = ", ".join(
        f"{n} {p['mean'][n]:.4g}±{(p['upper'][n] - p['lower'][n]) / 2:.2g}"
        for n in signs
        if n in p["mean"]
    )
    return f"rec. loc {p['location_id']}: {vals}"


def prepared_text(event: Prepared) -> str:
    """'prepared curiosity in 71.2 s: patch featuriser: 30 epochs on 1681 patches of 9x9
    (prepared/curiosity-0123456789abcdef.npz)', or 'reused ...' from a resumed run's file."""
    how = "reused" if event.reused else "prepared"
    return f"{how} {event.strategy} in {event.wall_s:.1f} s: {event.summary} ({event.file})"
