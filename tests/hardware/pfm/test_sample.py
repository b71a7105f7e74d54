"""Sample layout and spot statistics: keep-outs win over the film, outside the outline is off
sample, dead spots are zero and the spot factor has unit mean over all spots."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.pfm.sample import RegionSpec, SampleLayout, heterogeneity_factor, sigmoid_down


def test_circle_and_rect_regions_include_their_boundary() -> None:
    circle = RegionSpec("circle", center_mm=(1.0, 1.0), radius_mm=2.0)
    rect = RegionSpec("rect", x_mm=(0.0, 4.0), y_mm=(0.0, 1.0))
    assert circle.contains(3.0, 1.0) and not circle.contains(3.1, 1.0)
    assert rect.contains(4.0, 1.0) and not rect.contains(4.0, 1.01)


def test_surface_is_keep_out_then_off_sample_then_film() -> None:
    layout = SampleLayout(
        outline=RegionSpec("rect", x_mm=(0.0, 10.0), y_mm=(0.0, 10.0)),
        keep_outs=(RegionSpec("circle", center_mm=(0.0, 0.0), radius_mm=1.0),),
    )
    assert layout.surface_at(0.5, 0.0) == "keep_out"
    assert layout.surface_at(-0.5, 0.0) == "keep_out"  # a clamp over the edge is still a clamp
    assert layout.surface_at(11.0, 5.0) == "off_sample"
    assert layout.surface_at(5.0, 5.0) == "film"
    assert SampleLayout().surface_at(1e3, 1e3) == "film"


def test_spot_factor_has_unit_mean_and_the_dead_fraction() -> None:
    rng = np.random.default_rng(11)
    f = np.array([heterogeneity_factor(rng, 0.4, 0.1) for _ in range(40_000)])
    assert np.mean(f == 0.0) == pytest.approx(0.1, abs=0.01)
    assert f.mean() == pytest.approx(1.0, rel=0.02)


def test_sigmoid_down_is_one_below_half_at_and_zero_above_the_centre() -> None:
    out = sigmoid_down(np.array([0.0, 5.0, 10.0]), 5.0, 0.5)
    np.testing.assert_allclose(out, [1.0, 0.5, 0.0], atol=1e-4)
