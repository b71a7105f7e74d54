"""Loop area: the fitted closed form against numeric integration."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.pfm.loops import (
    LoopParams,
    branch_directions,
    loop_metrics,
    loop_model,
    model_loop_area,
    numeric_loop_area,
    triangle_waveform,
)


def test_fitted_loop_area_agrees_with_numeric_integration(rng) -> None:
    """Loop-area fitting vs trapezoid integration of the raw loop."""
    rows = []
    bias = triangle_waveform(10.0, 128, 1)
    rising = branch_directions(bias)
    for _ in range(40):
        vc = rng.uniform(1.5, 4.0)
        im = rng.uniform(-1.0, 1.0)
        p = LoopParams(
            rng.normal(0, 1), rng.uniform(5, 50), im + vc, im - vc, rng.uniform(0.15, 0.3) * vc
        )
        clean = loop_model(p, bias, rising)
        noisy = clean + rng.normal(0, 0.02 * p.r, bias.shape)
        m = loop_metrics(bias, noisy)
        rows.append(
            (
                m.loop_area,
                m.loop_area_numeric,
                numeric_loop_area(bias, clean),
                model_loop_area(p, -10.0, 10.0),
            )
        )
    fit, num, num_clean, truth = np.array(rows).T
    np.testing.assert_allclose(fit, num, rtol=0.03)
    np.testing.assert_allclose(fit, truth, rtol=0.03)
    np.testing.assert_allclose(num_clean, truth, rtol=0.01)


def test_saturated_loop_area_closed_form() -> None:
    p = LoopParams(0.0, 1.0, 2.5, -2.5, 0.05)
    assert model_loop_area(p, -20.0, 20.0) == pytest.approx(10.0, rel=1e-3)  # 2R·ΔVc
