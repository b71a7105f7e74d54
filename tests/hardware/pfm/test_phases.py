"""The simulated phase library: ground-truth regions and distinct loop families."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.pfm.loops import triangle_waveform
from hardware.pfm.phases import PHASE_CLASSES, RARE_CLASS, PhaseLibrarySample, PhaseParams
from hardware.pfm.sspfm import reduce, synthesize, true_loops
from hardware.protocols import SSParams


@pytest.fixture(scope="module")
def sample() -> PhaseLibrarySample:
    return PhaseLibrarySample(PhaseParams(), seed=11)


def _site_of(sample: PhaseLibrarySample, cls: int) -> tuple[float, float]:
    xs = np.linspace(0.05, 9.95, 120)
    gx, gy = np.meshgrid(xs, xs)
    labels = sample.class_at(gx.ravel(), gy.ravel())
    k = int(np.flatnonzero(labels == cls)[len(np.flatnonzero(labels == cls)) // 2])
    return float(gx.ravel()[k]), float(gy.ravel()[k])


def test_every_family_is_present_and_the_rare_one_is_under_3_percent(sample) -> None:
    frac = sample.area_fractions(300)
    assert frac.shape == (len(PHASE_CLASSES),) and frac.sum() == pytest.approx(1.0)
    assert 0.01 < frac[RARE_CLASS] < 0.03
    others = np.delete(frac, RARE_CLASS)
    assert np.all(others > 0.05)


def test_boundaries_wiggle_with_the_seed(sample) -> None:
    other = PhaseLibrarySample(PhaseParams(), seed=12)
    xs = np.linspace(0.0, 10.0, 80)
    gx, gy = np.meshgrid(xs, xs)
    a, b = sample.class_at(gx, gy), other.class_at(gx, gy)
    assert 0 < np.mean(a != b) < 0.1  # same map, different wiggles
    again = PhaseLibrarySample(PhaseParams(), seed=11)
    assert np.array_equal(a, again.class_at(gx, gy))


def test_noise_free_loop_shapes_are_the_named_families(sample) -> None:
    bias = triangle_waveform(10.0, 64, 1)
    shapes = {}
    for cls in range(len(PHASE_CLASSES)):
        x, y = _site_of(sample, cls)
        shapes[cls] = true_loops(sample.response({}, x, y), bias, 1.0)
    zero = np.flatnonzero(np.isclose(bias, 0.0) | (np.abs(bias) < 0.4))
    top = np.argmax(bias)
    _, off_fe = shapes[0]
    assert np.ptp(off_fe[zero]) > 10.0  # square FE loop: two remanent states at 0 V
    on_afe, off_afe = shapes[RARE_CLASS]
    assert np.max(np.abs(on_afe[zero])) < 0.1 * on_afe[top]  # pinched at 0 V ...
    assert on_afe[top] > 7.0 and np.max(np.abs(off_afe)) < 1.0  # ... saturates, no remanence
    mid = np.flatnonzero(np.abs(np.abs(bias) - 4.5) < 0.4)  # inside the AFE hysteresis window
    assert np.ptp(on_afe[mid]) > 4.0
    on_pe, off_pe = shapes[3]
    assert np.corrcoef(bias, on_pe)[0, 1] > 0.99 and np.max(np.abs(off_pe)) < 0.2
    _, off_rel = shapes[2]
    assert 0.5 < np.ptp(off_rel[zero]) < 0.25 * np.ptp(off_fe[zero])  # slim loop
    _, off_imp = shapes[1]
    rising = np.diff(bias, prepend=-1.0) > 0
    cross_fe = bias[rising][np.argmin(np.abs(off_fe[rising]))]
    cross_imp = bias[rising][np.argmin(np.abs(off_imp[rising]))]
    assert cross_imp - cross_fe > 1.5  # the imprint shifts the switching bias


def test_measured_spots_are_noisy_and_reduce_like_real_data(sample) -> None:
    x, y = _site_of(sample, 0)
    params = SSParams(v_max=10.0, steps_per_cycle=64, cycles=1)
    loops = []
    for k in range(6):
        rng = np.random.default_rng(k)
        raw = synthesize(
            sample.spot({}, x, y, rng), params, rng, tip_sensitivity=1.0,
            lockin_phase_rad=0.3, detector_noise=sample.detector_noise,
        )  # fmt: skip
        loops.append(reduce(raw)["pr_on"])
    loops = np.array(loops)
    assert np.all(np.isfinite(loops).mean(axis=1) > 0.9)
    assert 0.05 < np.nanstd(loops, axis=0).mean() / np.nanmax(np.abs(loops)) < 0.5


def test_expected_metrics_expose_the_class(sample) -> None:
    x, y = _site_of(sample, RARE_CLASS)
    assert sample.expected_metrics({}, x, y)["phase_class"] == float(RARE_CLASS)
