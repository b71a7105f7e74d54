"""The progress line counts and ranks from the whole log, so a resumed run shows what it had."""

from __future__ import annotations

import io

from rich.console import Console

from explorer.cli.progress import ProgressView
from explorer.constraints import OutcomeConstraint
from explorer.engine.events import Measured, Prepared, Recommended


def _m(step: int, area: float | None, r2: float) -> Measured:
    return Measured(
        step=step,
        location_id=step,
        x_mm=0.0,
        y_mm=0.0,
        objectives={"loop_area": area, "coercive_bias": 1.0},
        raw="",
        durations_s={},
        duration_s=60.0,
        instrument_time_s=60.0 * (step + 1),
        outcomes={"fit_r2": r2},
    )


def test_seeded_view_shows_every_objective_the_feasible_best_and_the_recommendation() -> None:
    view = ProgressView(
        10,
        [("loop_area", "maximize"), ("coercive_bias", "minimize")],
        [OutcomeConstraint("fit_r2", min_value=0.8)],
        Console(file=io.StringIO()),
    )
    point = {"location_id": 1, "mean": {"loop_area": 4.0, "coercive_bias": 1.0}}
    point |= {"lower": {"loop_area": 3.0, "coercive_bias": 0.9}}
    point |= {"upper": {"loop_area": 5.0, "coercive_bias": 1.1}}
    view.seed([_m(0, 2.0, 0.9), _m(1, 5.0, 0.95), _m(2, 99.0, 0.06), _m(3, None, 0.9)])
    view(Recommended(n_measured=4, points=[point]))
    task = view.progress.tasks[0]
    assert task.completed == 4
    assert task.fields["best"] == "best loop_area 5, coercive_bias 1 (2 infeasible)"
    assert task.fields["rec"] == "rec. loc 1: loop_area 4±1, coercive_bias 1±0.1"
    view(_m(4, 6.0, 0.9))
    assert view.progress.tasks[0].completed == 5
    assert view.progress.tasks[0].fields["best"].startswith("best loop_area 6,")


def test_a_preparing_view_says_so_until_the_prepared_event_and_prints_it() -> None:
    buf = io.StringIO()
    view = ProgressView(5, [("loop_area", "maximize")], [], Console(file=buf), "curiosity")
    assert view.progress.tasks[0].description == "preparing curiosity"
    view(
        Prepared(
            strategy="curiosity",
            key="ab" * 32,
            file="prepared/curiosity-abababababababab.npz",
            reused=False,
            wall_s=71.25,
            summary="patch featuriser: 30 epochs on 1681 patches of 9x9",
        )
    )
    assert view.progress.tasks[0].description == "measuring"
    assert view.progress.tasks[0].completed == 0
    assert "prepared curiosity in 71.2 s: patch featuriser: 30 epochs" in buf.getvalue()
