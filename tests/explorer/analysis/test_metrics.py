"""Run-level metrics: prefix hypervolumes, reference points, staircases, classes found."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from explorer.analysis.metrics import (
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
    from explorer.analysis.metrics import classes_found_curve
    from explorer.analysis.rundata import RunData
    from explorer.engine.events import EventLog, Measured, RunStarted

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


# ---- discovery metrics -----------------------------------------------------------------------


def test_classes_discovered_and_measurements_to_find() -> None:
    from explorer.analysis.metrics import classes_discovered, measurements_to_find

    labels = [0, 0, 2, -1, 1, 2, 4]
    assert classes_discovered(labels).tolist() == [1, 1, 2, 2, 3, 3, 4]
    assert measurements_to_find(labels, [0, 1, 2]) == 5
    assert measurements_to_find(labels, [4]) == 7
    assert measurements_to_find(labels, [0, 3]) is None
    assert measurements_to_find([], []) == 0


def test_kmeans_recovers_separated_blobs_and_is_deterministic() -> None:
    from explorer.analysis.metrics import kmeans

    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    X = np.vstack([c + rng.normal(0, 0.3, (30, 2)) for c in centres])
    labels, found = kmeans(X, 3, seed=1)
    for j in range(3):  # each true blob is one cluster
        assert len(set(labels[30 * j : 30 * (j + 1)].tolist())) == 1
    assert len(set(labels.tolist())) == 3
    assert np.allclose(np.sort(found[:, 0]), [0, 0, 10], atol=0.3)
    again, _ = kmeans(X, 3, seed=1)
    assert np.array_equal(labels, again)
    with pytest.raises(ValueError, match="k=4"):
        kmeans(X[:3], 4, seed=0)


def test_feature_space_coverage_counts_cells() -> None:
    from explorer.analysis.metrics import FeatureCells, feature_space_coverage

    # four families of 'spectra' (sine, step, ramp, flat) over 10 locations each
    t = np.linspace(0, 1, 20)
    fams = [np.sin(6 * t), (t > 0.5).astype(float), t, np.zeros_like(t)]
    rng = np.random.default_rng(3)
    S = np.vstack([f + rng.normal(0, 0.01, (10, 20)) for f in fams])
    cells = FeatureCells.from_spectra(S, 4, n_components=3, seed=0)
    assert all(len(set(cells.cell[10 * j : 10 * (j + 1)].tolist())) == 1 for j in range(4))
    cov = feature_space_coverage(cells, [0, 1, 15, 35, 25])
    assert cov.tolist() == [0.25, 0.25, 0.5, 0.75, 1.0]


def test_prediction_error() -> None:
    from explorer.analysis.metrics import prediction_error

    truth = np.array([1.0, 2.0, 3.0, np.nan])
    e = prediction_error(np.array([1.0, 2.0, 5.0, 0.0]), truth)
    assert e["n"] == 3 and e["mae"] == pytest.approx(2 / 3)
    assert e["rmse"] == pytest.approx(np.sqrt(4 / 3))
    assert e["nrmse"] == pytest.approx(np.sqrt(4 / 3) / np.std([1.0, 2.0, 3.0]))
    mean_only = prediction_error(np.full(3, 2.0), truth[:3])
    assert mean_only["nrmse"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="3 values"):
        prediction_error(np.zeros(3), np.zeros(4))


def test_travel_distance() -> None:
    from explorer.analysis.metrics import travel_distance_mm

    pos = np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 0.0]])
    assert travel_distance_mm(pos).tolist() == [0.0, 5.0, 9.0]
    assert travel_distance_mm(pos, start_xy_mm=(0.0, -1.0)).tolist() == [1.0, 6.0, 10.0]
    assert travel_distance_mm(np.zeros((0, 2))).tolist() == []
