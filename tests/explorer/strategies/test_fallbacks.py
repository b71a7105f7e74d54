"""GP-BO on degenerate data: singular covariances, constant outputs, duplicated points,
outliers, NaN/inf and numbers near the float limit. Every decision is a valid, deterministic
pick, each fallback level (jitter, fixed hyperparameters, max-min space filling) is reachable
and reported in `info`, and in a campaign it becomes a `warning` event, never a crash."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.cli import main
from explorer.engine.events import Measured, WarningEvent, read_events
from explorer.library import CandidateSet
from explorer.models.gp import FittedGP, GPHyperparameters, GPOptions
from explorer.observations import Observations
from explorer.strategies.base import SuggestContext
from explorer.strategies.gp_bo import GPBOStrategy
from tests.reliability_summary import record

N = 30
# three locations per composition, as on a linear gradient sampled in y: duplicated features
LIB = CandidateSet(
    np.arange(N),
    np.column_stack([np.repeat(np.linspace(0, 8, N // 3), 3), np.tile([0.0, 0.5, 1.0], N // 3)]),
    np.repeat(np.linspace(0, 0.2, N // 3), 3)[:, None],
    ("Sm",),
)
FMAX = float(np.finfo(float).max)  # posterior means overflow even with fixed hyperparameters
FAST = GPOptions(max_iter_cold=40, restarts=0)
EXACT = GPOptions(max_iter_cold=40, restarts=0, noise_variance=0.0)  # no noise: singular


def _obs(ids: list[int], y: list[float]) -> Observations:
    idx = np.asarray(ids, dtype=np.int64)
    return Observations(
        idx, LIB.features[idx], np.asarray(y, float).reshape(-1, 1), ("h",), LIB.positions_mm[idx]
    )


def _decide(ids: list[int], y: list[float], gp: GPOptions = FAST, n: int = 1):
    strategy = GPBOStrategy(acquisition="ucb", gp=gp)
    remaining = LIB.without(ids)
    picks = [
        strategy.suggest(
            remaining, _obs(ids, y), n, np.random.default_rng(7), SuggestContext(step=len(ids))
        )
        for _ in range(2)
    ]
    assert [p.location_id for p in picks[0]] == [p.location_id for p in picks[1]]  # determinism
    assert [dict(p.info) for p in picks[0]] == [dict(p.info) for p in picks[1]]
    for p in picks[0]:
        assert remaining.contains(p.location_id)
    assert len({p.location_id for p in picks[0]}) == len(picks[0]) == n
    return picks[0]


@pytest.mark.parametrize(
    ("case", "ids", "y", "gp", "fallback", "note"),
    [
        ("constant outputs", [0, 6, 12, 20], [2.0] * 4, FAST, None, "constant"),
        # the same composition measured three times with different values, zero noise
        ("duplicated points", [0, 1, 2, 9, 10, 11], [0, 5, -5, 1, 9, -7], EXACT, None, None),
        ("an outlier", [0, 6, 12, 20, 27], [1.0, 1.1, 0.9, 1e9, 1.0], FAST, None, None),
        ("NaN rows", [0, 6, 12, 20], [np.nan, 1.0, np.nan, 2.0], FAST, None, None),
        ("near the float limit", [0, 6, 12, 20], [1e300, -1e300, 1e300, 0], EXACT, "fixed", "Ov"),
        (
            "posterior overflows",
            [0, 6, 12, 20],
            [FMAX, FMAX, -FMAX, -FMAX],
            FAST,
            "maxmin",
            "fixed GP failed",
        ),
        ("one finite value", [0, 6, 12], [np.nan, 1.0, np.inf], FAST, "maxmin", None),
    ],
)
def test_degenerate_data_gives_a_valid_deterministic_pick(case, ids, y, gp, fallback, note):
    (pick,) = _decide(ids, y, gp)
    info = dict(pick.info)
    expected = {"fixed": "fixed_hyperparameters", "maxmin": "maxmin", None: None}[fallback]
    assert info.get("fallback") == expected, info
    if note is not None:
        assert any(note in w for w in info["fit_warnings"]), info
    record("numerics", f"gp_bo: {case}")


def test_singular_covariance_gets_jitter() -> None:
    """The first fallback: a duplicated point with zero noise makes K singular; the Cholesky
    factorisation adds the smallest jitter that works and says so."""
    X = np.array([[0.1], [0.1], [0.5], [0.9]])
    y = np.array([0.0, 1.0, 0.5, 2.0])
    gp = FittedGP(X, y, GPHyperparameters.default(1), 0.0, 1.0, np.zeros(4))
    assert any(w.startswith("covariance needed jitter") for w in gp.warnings)
    mean, std = gp.predict(np.linspace(0, 1, 5)[:, None])
    assert np.all(np.isfinite(mean)) and np.all(std > 0)
    record("numerics", "gp: singular covariance -> jitter")


def test_batches_fall_back_too() -> None:
    picks = _decide([0, 6, 12, 20], [FMAX, FMAX, -FMAX, -FMAX], n=3)
    assert all(p.info["fallback"] == "maxmin" for p in picks)


values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1.0, -1.0, 1e-300, 1e300, -1e300, 1.7e308]),
)


def _fuzz(data: st.DataObject) -> None:
    ids = data.draw(st.lists(st.integers(0, N - 1), min_size=0, max_size=N - 2, unique=True))
    y = data.draw(st.lists(values, min_size=len(ids), max_size=len(ids)))
    gp = data.draw(st.sampled_from([FAST, EXACT]))
    n = data.draw(st.integers(1, 3))
    _decide(ids, y, gp, n)
    record("numerics", "gp_bo: random degenerate observations (hypothesis)")


@settings(max_examples=25, deadline=None, derandomize=True)
@given(data=st.data())
def test_fuzz_any_observations_give_a_valid_pick(data) -> None:
    _fuzz(data)


@pytest.mark.reliability
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_any_observations_give_a_valid_pick_long(data) -> None:
    _fuzz(data)


def test_constant_objective_in_a_campaign_is_a_warning_event(make_config, write_yaml) -> None:
    """The maximum of the bias waveform is the same everywhere: a constant objective. The
    campaign runs to the end and the log says what the model did."""
    cfg = make_config(
        objectives=[{"name": "vmax", "from": "sspfm", "metric": "max", "quantity": "bias_v"}],
        strategy={
            "kind": "two_phase",
            "initial": {"kind": "sobol", "n": 3},
            "then": {"kind": "gp_bo", "gp": {"max_iter_cold": 40, "restarts": 0}},
        },
        stop={"max_points": 6},
    )
    assert main(["run", str(write_yaml(cfg)), "-q"]) == 0
    runs = [p for p in (write_yaml(cfg).parent / "runs").iterdir() if not p.is_symlink()]
    events = read_events(runs[0] / "events.jsonl").events
    assert len([e for e in events if isinstance(e, Measured)]) == 6
    warns = [e for e in events if isinstance(e, WarningEvent) and e.category == "model"]
    assert len(warns) == 3 and all("constant" in w.message for w in warns)
    record("numerics", "campaign with a constant objective: warning events, no crash")
