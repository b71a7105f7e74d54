"""The closed-form Matérn kernel equals gpytorch's ScaleKernel(MaternKernel) for every ν."""

from __future__ import annotations

import gpytorch
import numpy as np
import pytest
import torch

from explorer.models.kernels import DTYPE, Matern, matern_of_r2
from tests.explorer.models.closed_form_mll import matern_radial_slope


def _gpytorch_kernel(nu: float, ls: list[float], s2: float) -> gpytorch.kernels.Kernel:
    base = gpytorch.kernels.MaternKernel(nu=nu, ard_num_dims=len(ls)).to(DTYPE)
    base.lengthscale = torch.tensor(ls, dtype=DTYPE).reshape(1, -1)
    k = gpytorch.kernels.ScaleKernel(base).to(DTYPE)
    k.outputscale = torch.tensor(s2, dtype=DTYPE)
    return k.eval()


@pytest.mark.parametrize("nu", [0.5, 1.5, 2.5])
def test_matches_gpytorch(nu: float) -> None:
    rng = np.random.default_rng(0)
    a = torch.as_tensor(rng.random((40, 3)), dtype=DTYPE)
    b = torch.as_tensor(rng.random((25, 3)), dtype=DTYPE)
    ls, s2 = [0.2, 0.7, 1.3], 1.7
    ours = Matern(torch.tensor(ls, dtype=DTYPE), s2, nu)
    ref = _gpytorch_kernel(nu, ls, s2)
    with torch.no_grad():
        torch.testing.assert_close(ours(a, b), ref(a, b).to_dense(), rtol=1e-10, atol=1e-12)
        gram = ours.gram(a)
        torch.testing.assert_close(gram, ref(a, a).to_dense(), rtol=1e-10, atol=1e-10)
    assert torch.all(gram.diagonal() == s2)  # exact on the diagonal (no cancellation)


@pytest.mark.parametrize("nu", [0.5, 1.5, 2.5])
def test_radial_slope_is_minus_derivative_over_r(nu: float) -> None:
    r = torch.linspace(0.05, 4.0, 50, dtype=DTYPE)
    h = 1e-6
    dm = (matern_of_r2((r + h) ** 2, nu) - matern_of_r2((r - h) ** 2, nu)) / (2 * h)
    torch.testing.assert_close(matern_radial_slope(r * r, nu), -dm / r, rtol=1e-7, atol=1e-9)


def test_rejects_unknown_nu() -> None:
    with pytest.raises(ValueError, match="nu"):
        matern_of_r2(torch.zeros(2, dtype=DTYPE), 2.0)
