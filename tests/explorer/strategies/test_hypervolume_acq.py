"""Closed-form EHVI against a Monte-Carlo estimate and BoTorch's analytic EHVI; cells, PoF,
scalarisations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from explorer.pareto import hypervolume
from explorer.strategies import hypervolume_acq as hva


def _front(rng: np.random.Generator, p: int, k: int = 2) -> np.ndarray:
    """p mutually non-dominated points on the positive part of a sphere (radius 1)."""
    v = np.abs(rng.normal(size=(p, k)))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _hv_2d_clipped(front: np.ndarray, y: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """HV of {min(p, y_s)} for every sample y_s (S,): an independent sweep, vectorised."""
    order = np.argsort(front[:, 0])
    f = front[order]
    a = np.minimum(f[None, :, 0], y[:, None, 0]) - ref[0]  # ascending in j for every sample
    b = np.minimum(f[None, :, 1], y[:, None, 1]) - ref[1]
    a, b = np.maximum(a, 0.0), np.maximum(b, 0.0)
    widths = np.diff(np.concatenate([np.zeros((len(y), 1)), a], axis=1), axis=1)
    heights = np.maximum.accumulate(b[:, ::-1], axis=1)[:, ::-1]
    return np.asarray((widths * heights).sum(axis=1))


def _mc_ehvi_2d(mu, sd, front, ref, n, rng) -> float:
    y = mu + sd * rng.standard_normal((n, 2))
    box = np.prod(np.maximum(y - ref, 0.0), axis=1)
    return float(np.mean(box - _hv_2d_clipped(front, y, ref)))


def test_cells_2d_cover_exactly_the_non_dominated_region(rng) -> None:
    front = _front(rng, 6)
    ref = np.array([-0.2, -0.1])
    lower, upper = hva.pareto_cells(front, ref)
    assert lower.shape == (7, 2)
    # a box far beyond everything: its volume minus the cells' volume (clipped) is the HV
    top = np.array([3.0, 3.0])
    cells = np.prod(np.minimum(upper, top) - lower, axis=1).sum()
    total = np.prod(top - ref)
    assert total - cells == pytest.approx(hypervolume(front, ref), rel=1e-12)


def test_cells_ignore_dominated_duplicate_and_below_ref_points() -> None:
    ref = np.array([0.0, 0.0])
    clean = np.array([[1.0, 5.0], [2.0, 1.0]])
    messy = np.vstack([clean, [[1.0, 3.0], [1.0, 5.0], [0.5, 0.5], [-1.0, 9.0]]])
    a, b = hva.pareto_cells(clean, ref), hva.pareto_cells(messy, ref)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_ehvi_matches_monte_carlo_2d(rng) -> None:
    front = _front(rng, 5)
    ref = np.array([0.0, 0.0])
    lower, upper = hva.pareto_cells(front, ref)
    mu = np.array([[0.6, 0.6], [0.9, 0.1], [0.2, 0.3], [1.2, 1.1]])
    sd = np.array([[0.2, 0.3], [0.05, 0.4], [0.1, 0.1], [0.3, 0.2]])
    closed = hva.ehvi(mu, sd, lower, upper)
    mc_rng = np.random.default_rng(1)
    for i in range(len(mu)):
        est = _mc_ehvi_2d(mu[i], sd[i], front, ref, 400_000, mc_rng)
        assert closed[i] == pytest.approx(est, rel=0.02, abs=2e-4), i


def test_ehvi_of_a_certain_point_is_its_hypervolume_improvement(rng) -> None:
    front = _front(rng, 4)
    ref = np.array([0.0, 0.0])
    lower, upper = hva.pareto_cells(front, ref)
    y = np.array([[0.8, 0.8], [0.3, 0.2]])
    got = hva.ehvi(y, np.full_like(y, 1e-9), lower, upper)
    want = [hypervolume(np.vstack([front, yi]), ref) - hypervolume(front, ref) for yi in y]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12)


def test_log_ehvi_stays_finite_and_ordered_where_ehvi_underflows() -> None:
    front = np.array([[1.0, 1.0]])
    lower, upper = hva.pareto_cells(front, np.zeros(2))
    mu = np.array([[-30.0, -30.0], [-40.0, -40.0], [-50.0, -50.0]])
    log_v = hva.log_ehvi(mu, np.full_like(mu, 1.0), lower, upper)
    assert np.all(np.isfinite(log_v))
    assert np.all(np.exp(log_v) == 0.0)
    assert log_v[0] > log_v[1] > log_v[2]


@pytest.mark.parametrize("k", [2, 3])
def test_ehvi_matches_botorch_analytic(k: int) -> None:
    torch = pytest.importorskip("torch")
    from botorch.acquisition.multi_objective.analytic import ExpectedHypervolumeImprovement
    from botorch.models import ModelListGP, SingleTaskGP
    from botorch.utils.multi_objective.box_decompositions.non_dominated import (
        NondominatedPartitioning,
    )

    gen = np.random.default_rng(k)
    X = torch.as_tensor(gen.random((12, 2)))
    Y = torch.stack([torch.sin(3 * X[:, 0] + j) + X[:, 1] * (j + 1) for j in range(k)], -1)
    model = ModelListGP(*[SingleTaskGP(X, Y[:, j : j + 1]) for j in range(k)])
    ref = Y.min(dim=0).values - 0.1
    front = Y.numpy()
    part = NondominatedPartitioning(ref_point=ref, Y=Y)
    acqf = ExpectedHypervolumeImprovement(model, ref.tolist(), part)
    Xc = torch.as_tensor(gen.random((50, 2)))
    with torch.no_grad():
        want = acqf(Xc.unsqueeze(1)).numpy()
        post = model.posterior(Xc)
        mu, sd = post.mean.numpy(), post.variance.clamp_min(1e-9).sqrt().numpy()
    lower, upper = hva.pareto_cells(front, ref.numpy())
    got = hva.ehvi(mu, sd, lower, upper)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-10)


def test_ehvi_3d_matches_monte_carlo_with_pymoo() -> None:
    gen = np.random.default_rng(5)
    front = _front(gen, 6, k=3)
    ref = np.zeros(3)
    lower, upper = hva.pareto_cells(front, ref)
    mu, sd = np.array([0.6, 0.6, 0.5]), np.array([0.2, 0.15, 0.25])
    closed = float(hva.ehvi(mu[None], sd[None], lower, upper)[0])
    ys = mu + sd * gen.standard_normal((3000, 3))
    base = hypervolume(front, ref)
    est = np.mean([hypervolume(np.vstack([front, y]), ref) - base for y in ys])
    assert closed == pytest.approx(est, rel=0.06)


def test_ehvi_is_vectorised_over_10k_candidates(rng) -> None:
    front = _front(rng, 30)
    lower, upper = hva.pareto_cells(front, np.zeros(2))
    mu = rng.random((10_000, 2))
    v = hva.log_ehvi(mu, np.full_like(mu, 0.1), lower, upper)
    assert v.shape == (10_000,) and np.all(np.isfinite(v))


@pytest.mark.parametrize(("lo", "hi"), [(None, 1.0), (0.5, None), (-0.3, 0.7)])
def test_log_prob_between(lo, hi) -> None:
    mean, std = np.array([0.0, 0.4, 2.0, -9.0]), np.array([1.0, 0.2, 0.5, 0.3])
    if hi is None:
        want = norm.sf(lo, mean, std)  # accurate upper tail
    elif lo is None:
        want = norm.cdf(hi, mean, std)
    else:  # difference of the tails on the side where it does not cancel
        right = norm.sf(lo, mean, std) - norm.sf(hi, mean, std)
        want = np.where(mean < lo, right, norm.cdf(hi, mean, std) - norm.cdf(lo, mean, std))
    got = np.exp(hva.log_prob_between(mean, std, lo, hi))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(hva.prob_between(mean, std, lo, hi), want, atol=1e-12)


def test_chebyshev_and_simplex(rng) -> None:
    w = hva.sample_simplex(rng, 3)
    assert w.shape == (3,) and w.sum() == pytest.approx(1.0) and np.all(w >= 0)
    y = np.array([[1.0, 0.0, 1.0], [0.5, 0.5, 0.5]])
    s = hva.chebyshev(y, np.array([1 / 3] * 3), rho=0.0)
    np.testing.assert_allclose(s, [0.0, 0.5 / 3])


def test_log_mc_improvement_approximates_ei() -> None:
    gen = np.random.default_rng(0)
    z = hva.normal_base_samples(gen, 4096, 1)[:, 0]
    mu, sd, best = np.array([0.0, 1.0, -2.0]), np.array([1.0, 0.5, 1.0]), 0.5
    samples = mu[:, None] + sd[:, None] * z[None, :]
    got = np.exp(hva.log_mc_improvement(samples, best, tau=1e-4))
    u = (mu - best) / sd
    want = sd * (norm.pdf(u) + u * norm.cdf(u))
    np.testing.assert_allclose(got, want, rtol=0.02)
