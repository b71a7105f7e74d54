"""Run-level metrics: prefix hypervolumes, reference points, staircases, classes found."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from explorer.metrics import (
    derived_ref_point,
    front_staircase,
    hypervolume_curve,
    signs,
)
from explorer.pareto import hypervolume

finite = st.floats(-50, 50, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 12), st.just(2)), elements=finite))
def test_hypervolume_curve_is_the_prefix_hypervolume(Y: np.ndarray) -> None:
    dirs = ["maximize", "minimize"]
    ref = derived_ref_point(Y, ["a", "b"], dirs).internal(["a", "b"], dirs)
    curve = hypervolume_curve(Y, dirs, ref)
    internal = Y * signs(dirs)
    brute = [hypervolume(internal[: i + 1], ref) for i in range(len(Y))]
    assert np.allclose(curve, brute)
    assert np.all(np.diff(curve) >= -1e-9)


def test_nan_rows_do_not_count() -> None:
    Y = np.array([[1.0, 1.0], [np.nan, 5.0], [2.0, 2.0]])
    curve = hypervolume_curve(Y, ["maximize", "maximize"], np.zeros(2))
    assert curve.tolist() == [1.0, 1.0, 4.0]


def test_derived_reference_is_worse_than_every_point() -> None:
    Y = np.array([[1.0, 10.0], [3.0, 5.0], [np.nan, 1.0]])
    ref = derived_ref_point(Y, ["up", "down"], ["maximize", "minimize"])
    assert ref.source == "derived"
    assert ref.values["up"] < 1.0 and ref.values["down"] > 10.0


def test_staircase_of_a_front() -> None:
    pts = np.array([[1.0, 3.0], [3.0, 1.0], [2.0, 2.0], [0.5, 0.5]])  # last one is dominated
    xs, ys = front_staircase(pts, ["maximize", "maximize"])
    assert list(zip(xs, ys, strict=True)) == [(3, 1), (2, 1), (2, 2), (1, 2), (1, 3)]
    xs, ys = front_staircase(pts[:1], ["maximize", "maximize"], (0.0, 0.0))
    assert list(zip(xs, ys, strict=True)) == [(1, 0), (1, 3), (0, 3)]  # an L down to the reference
    xs, ys = front_staircase(np.array([[1.0, 1.0], [2.0, 3.0]]), ["maximize", "minimize"])
    assert list(zip(xs, ys, strict=True)) == [(2, 3), (1, 3), (1, 1)]
    for (x0, y0), (x1, y1) in pairwise(zip(xs, ys, strict=True)):
        assert x0 == x1 or y0 == y1  # axis-parallel segments only


@pytest.mark.parametrize("labels", [[0.0, 0.0, 1.0, None, 2.0, 1.0]])
def test_classes_found(labels: list[float | None], tmp_path) -> None:
    from explorer.events import EventLog, Measured, RunStarted
    from explorer.metrics import classes_found_curve
    from explorer.rundata import RunData

    with EventLog(tmp_path / "events.jsonl", fsync=False) as log:
        log.emit(
            RunStarted(
                run_id="r",
                name="r",
                seed=0,
                config={},
                versions={},
                channels=[],
                objectives=[],
                n_candidates=10,
                feature_names=[],
            )
        )
        for i, v in enumerate(labels):
            log.emit(
                Measured(
                    step=i,
                    location_id=i,
                    x_mm=0.0,
                    y_mm=0.0,
                    objectives={},
                    raw="",
                    durations_s={},
                    duration_s=0.0,
                    instrument_time_s=0.0,
                    scalars={} if v is None else {"class_label": v},
                )
            )
    run = RunData.load(tmp_path)
    assert classes_found_curve(run).tolist() == [1, 1, 2, 2, 3, 3]  # type: ignore[union-attr]
    assert classes_found_curve(run, "phase") is None
