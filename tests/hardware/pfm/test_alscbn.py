"""(Al,Sc,B)N sample model: the §4.5 trends, the layout, leakage and breakdown."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.pfm.alscbn import AlScBNParams, AlScBNSample


def _comp(s: float, b: float) -> dict[str, float]:
    return {"Al": 1.0 - s - b, "Sc": s, "B": b}


@pytest.fixture
def sample() -> AlScBNSample:
    return AlScBNSample(AlScBNParams(), seed=3)


def test_response_peaks_at_the_wurtzite_boundary(sample) -> None:
    s = np.linspace(0.0, 0.6, 61)
    d33 = np.array([sample.d33_pm_per_v(v, 0.0) for v in s])
    peak = s[np.argmax(d33)]
    assert 0.33 <= peak <= 0.42
    assert d33[0] == pytest.approx(5.0, rel=1e-3)
    assert d33[-1] < 0.05 * d33.max()  # rock salt is not piezoelectric


def test_coercive_bias_tens_of_volts_and_falls_with_sc_and_b(sample) -> None:
    vc = [sample.coercive_bias_v(s, 0.0) for s in (0.0, 0.2, 0.4)]
    assert vc[0] == pytest.approx(60.0) and vc[0] > vc[1] > vc[2] >= 20.0
    assert sample.coercive_bias_v(0.2, 0.1) < sample.coercive_bias_v(0.2, 0.0)
    assert sample.coercive_bias_v(0.9, 0.5) == pytest.approx(20.0)  # 2 MV/cm floor at 100 nm


def test_boron_beyond_its_boundary_kills_the_response(sample) -> None:
    assert sample.wurtzite_fraction(0.3, 0.0) > 0.99
    assert sample.wurtzite_fraction(0.3, 0.3) < 0.01


def test_layout_outline_and_keep_outs(sample) -> None:
    assert sample.surface_at(25.0, 25.0) == "film"
    assert sample.surface_at(0.0, 0.0) == "off_sample"
    assert sample.surface_at(13.0, 25.0) == "keep_out"  # left clamp
    assert sample.surface_at(25.0, 36.5) == "keep_out"  # electrode pad


def test_spots_leak_more_often_at_high_sc(sample) -> None:
    rng = np.random.default_rng(0)

    def slope_ratio(s: float) -> float:
        base = sample.response(_comp(s, 0.0), 25.0, 25.0).electrostatic_slope
        spots = [sample.spot(_comp(s, 0.0), 25.0, 25.0, rng) for _ in range(4000)]
        return float(np.mean([sp.electrostatic_slope > 2 * base for sp in spots]))

    low, high = slope_ratio(0.05), slope_ratio(0.4)
    assert low == pytest.approx(sample.leak_probability(0.05), abs=0.01)
    assert high == pytest.approx(sample.leak_probability(0.4), abs=0.02)
    assert high > 3 * low


def test_spot_heterogeneity_has_unit_mean(sample) -> None:
    rng = np.random.default_rng(1)
    comp = _comp(0.05, 0.0)  # little leakage
    base = sample.response(comp, 20.0, 20.0).loop.r
    r = np.array([sample.spot(comp, 20.0, 20.0, rng).loop.r for _ in range(8000)])
    leak = sample.leak_probability(0.05)
    expected = base * (1 - leak + leak * sample.params.leak_remanence_factor)
    assert r.mean() == pytest.approx(expected, rel=0.04)
    assert 0.03 < np.mean(r == 0) < 0.07  # dead spots


def test_breakdown_is_lower_on_leaky_spots_and_with_sc(sample) -> None:
    assert sample.breakdown_bias_v(0.0) == pytest.approx(90.0)
    assert sample.breakdown_bias_v(0.4) < sample.breakdown_bias_v(0.0)


def test_same_seed_same_sample_different_seed_different_fields() -> None:
    a, b = AlScBNSample(AlScBNParams(), 5), AlScBNSample(AlScBNParams(), 5)
    c = AlScBNSample(AlScBNParams(), 6)
    comp = _comp(0.3, 0.05)
    assert a.response(comp, 20.0, 22.0) == b.response(comp, 20.0, 22.0)
    assert a.response(comp, 20.0, 22.0) != c.response(comp, 20.0, 22.0)
