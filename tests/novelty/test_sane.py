"""SANE strategic sampling: cost terms, schedule, fully-explored switch, ROI update, gate."""

from __future__ import annotations

import numpy as np

from novelty.sane import (
    ROIState,
    SANEOptions,
    acquire,
    apply_gate,
    costs,
    is_explorative,
    update_rois,
    vote_targets,
)

OPT = SANEOptions()


def test_costs_pull_to_the_current_roi_and_push_from_earlier_ones() -> None:
    cand = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.5]])
    rois = np.array([[1.0, 1.0], [0.0, 0.0]])  # last = current centre
    c_loc, c_glob = costs(cand, rois, OPT)
    assert c_loc.tolist() == [0.0, 2.0, 1.0]
    assert c_glob.tolist() == [2.0, 0.0, 1.0]
    assert costs(cand, np.zeros((0, 2)), OPT)[0].tolist() == [0.0, 0.0, 0.0]


def test_schedule_switches_at_the_configured_fraction() -> None:
    assert not is_explorative(59, 100, OPT) and is_explorative(60, 100, OPT)
    assert not is_explorative(500, None, OPT)


def test_exploit_prefers_near_explore_prefers_far() -> None:
    cand = np.array([[0.1, 0.0], [0.9, 0.0]])
    rois = np.array([[0.0, 0.0]])
    mean, std = np.array([1.0, 1.0]), np.array([1.0, 1.0])
    near = acquire(mean, std, 1.0, cand, rois, False, OPT)
    far = acquire(mean, std, 1.0, cand, rois, True, OPT)
    assert near.mode == "exploit" and int(np.argmax(near.acquisition)) == 0
    assert far.mode == "explore" and int(np.argmax(far.acquisition)) == 1


def test_fully_explored_switch_stays_local_and_away_from_older_rois() -> None:
    cand = np.array([[0.0, 0.0], [0.5, 0.0], [1.0, 0.0]])
    rois = np.array([[1.0, 0.0], [0.0, 0.0]])  # older ROI at x = 1, current at x = 0
    mean, std = np.array([5.0, 0.0, 0.0]), np.array([0.1, 0.01, 0.01])  # one isolated EI peak
    d = acquire(mean, std, 1.0, cand, rois, False, OPT)
    assert d.mode == "fully_explored" and int(np.argmax(d.acquisition)) == 0
    assert d.acquisition[2] == 0.0 and d.acquisition.max() == 1.0


def test_roi_update_adds_new_best_and_is_deterministic() -> None:
    ids = np.array([10, 11, 12, 13])
    pos = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([0.1, 2.0, 0.5, 0.3])
    st = update_rois(ROIState(), ids, pos, y, np.random.default_rng(0), OPT)
    assert st.rois[:2] == (10, 11) and st.seen == 4
    again = update_rois(ROIState(), ids, pos, y, np.random.default_rng(0), OPT)
    assert again == st and ROIState.from_dict(st.to_dict()) == st


def test_votes_penalise_the_bad_region() -> None:
    pos = np.array([[0.0, 0.0], [1.0, 1.0]])
    y = vote_targets(pos, np.array([[1.0, 1.0]]), np.array([[0.0, 0.0]]), OPT)
    assert y is not None and y[0] < 0 < y[1]
    assert vote_targets(pos, np.array([[1.0, 1.0]]), np.zeros((0, 2)), OPT) is None
    gated = apply_gate(np.array([1.0, 0.5]), y, OPT)
    assert gated[0] < -100 and gated[1] == 0.5
