"""SANE strategic sampling: cost terms, schedule, fully-explored switch, ROI update, gate."""

from __future__ import annotations

import numpy as np

from novelty.sane import (
    ROIState,
    SANEOptions,
    acquire,
    apply_gate,
    costs,
    coverage_gain,
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


def _grid(n: int) -> np.ndarray:
    g = np.linspace(0.0, 1.0, n)
    return np.array([(a, b) for a in g for b in g])


def test_coverage_gain_is_largest_in_the_biggest_hole_not_on_the_edge() -> None:
    lib = _grid(11)
    # measured: the four corners and the centre; the largest holes are mid-way between them
    taken = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.5]])
    g = coverage_gain(lib, lib, taken)
    is_taken = (np.abs(lib[:, None] - taken[None]).sum(-1) < 1e-9).any(axis=1)
    assert np.all(g >= 0) and is_taken.sum() == 5 and np.allclose(g[is_taken], 0.0)
    # with nothing measured but the centre, an interior point beats the edge point beyond it
    g1 = coverage_gain(lib, lib, np.array([[0.5, 0.5]]))
    interior = int(np.flatnonzero(np.all(np.isclose(lib, [0.2, 0.5]), axis=1))[0])
    edge = int(np.flatnonzero(np.all(np.isclose(lib, [0.0, 0.5]), axis=1))[0])
    assert g1[interior] > g1[edge]

    # brute force: G(c) = drop of the mean fill distance
    def fill(t: np.ndarray) -> float:
        return float(np.sqrt(((lib[:, None] - t[None]) ** 2).sum(-1)).min(1).mean())

    for k in (3, 40, 77):
        assert np.isclose(g[k], fill(taken) - fill(np.vstack([taken, lib[k]])))


def test_mean_coverage_does_not_chase_posterior_std_on_the_edge() -> None:
    """EI follows σ to the edge; the default utility uses the GP mean plus coverage."""
    lib = _grid(11)
    taken = np.array([[0.5, 0.5], [0.25, 0.25], [0.75, 0.75], [0.25, 0.75], [0.75, 0.25]])
    edge = (lib == 0.0).any(axis=1) | (lib == 1.0).any(axis=1)
    mean = np.zeros(len(lib))
    std = np.where(edge, 1.0, 0.3)  # an exact GP's σ: largest on the rim
    cov = coverage_gain(lib, lib, taken)
    ei = acquire(mean, std, 0.0, lib, np.zeros((0, 2)), False, SANEOptions(acquisition="ei"))
    mc = acquire(mean, std, 0.0, lib, np.zeros((0, 2)), False, OPT, cov)
    assert edge[int(np.argmax(ei.acquisition))]
    assert mc.mode == "utility" and not edge[int(np.argmax(mc.acquisition))]


def test_cost_floor_bounds_the_travel_preference() -> None:
    cand = np.array([[0.0, 0.0], [1.0, 0.0]])
    rois = np.array([[0.0, 0.0]])
    mean, std = np.array([0.0, 1.0]), np.array([0.5, 0.5])
    # the far point is much more novel: with the floor the utility wins over travel
    d = acquire(mean, std, 1.0, cand, rois, False, SANEOptions(full_local_threshold=1.0))
    assert d.mode == "exploit" and int(np.argmax(d.acquisition)) == 1
