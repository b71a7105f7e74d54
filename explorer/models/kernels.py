"""Matérn ARD covariance in closed form (torch, float64).

The same covariance as gpytorch's `ScaleKernel(MaternKernel(nu, ard_num_dims=d))` (checked in
tests/explorer/models/test_kernels.py), computed without gpytorch's lazy-tensor machinery so that
prediction can stream over candidate chunks:

    k(x, x') = s² · m_ν(r),   r = ‖(x − x') / ℓ‖,
    m_½(r) = e^{−r},  m_{3/2}(r) = (1 + √3 r) e^{−√3 r},  m_{5/2}(r) = (1 + √5 r + 5r²/3) e^{−√5 r}.

Squared distances use one matrix product on centred inputs (as gpytorch does); Gram matrices get
an exact zero-distance diagonal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

DTYPE = torch.float64
NUS = (0.5, 1.5, 2.5)


def _check_nu(nu: float) -> None:
    if nu not in NUS:
        raise ValueError(f"Matérn nu must be one of {NUS}, got {nu}")


def scaled_sq_dist(
    a: torch.Tensor, b: torch.Tensor, lengthscales: torch.Tensor, *, same: bool = False
) -> torch.Tensor:
    """(n, m) squared distances between the rows of a (n, d) and b (m, d), in lengthscales.

    Computed as ‖a‖² + ‖b‖² − 2·a·bᵀ on centred inputs (one matrix product instead of d
    elementwise passes: 3x faster for 10⁴ x 10³ blocks), clamped at 0; with `same` (a is b) the
    diagonal is exactly 0, so a Gram matrix has exactly s² on its diagonal.
    """
    a = a / lengthscales
    b = a if same else b / lengthscales
    centre = b.mean(0) if len(b) else torch.zeros(a.shape[1], dtype=DTYPE)
    a = a - centre
    b = a if same else b - centre
    out = torch.addmm((b * b).sum(1), a, b.T, alpha=-2.0)
    out.add_((a * a).sum(1, keepdim=True)).clamp_min_(0.0)
    if same:
        out.fill_diagonal_(0.0)
    return out


def matern_of_r2(r2: torch.Tensor, nu: float, scale: float = 1.0) -> torch.Tensor:
    """scale · m_ν(r) from squared scaled distances (same shape), with few temporaries."""
    _check_nu(nu)
    r = r2.sqrt()
    if nu == 0.5:
        return r.neg_().exp_().mul_(scale)
    root = math.sqrt(3.0) if nu == 1.5 else math.sqrt(5.0)
    r.mul_(root)  # √3 r or √5 r
    decay = torch.neg(r).exp_()
    poly = r.add_(1.0)
    if nu == 2.5:
        poly.add_(r2, alpha=5.0 / 3.0)
    return poly.mul_(decay).mul_(scale)


@dataclass(frozen=True)
class Matern:
    """s² · m_ν(‖(x − x')/ℓ‖) with fixed hyperparameters.

    Attributes:
        lengthscales: (d,) lengthscales in unit-cube input units.
        outputscale: s², the prior variance (standardised output units).
        nu: smoothness, 0.5, 1.5 or 2.5.
    """

    lengthscales: torch.Tensor
    outputscale: float
    nu: float = 2.5

    def __call__(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """(n, m) covariance between rows of a and b."""
        r2 = scaled_sq_dist(a, b, self.lengthscales)
        return matern_of_r2(r2, self.nu, self.outputscale)

    def gram(self, x: torch.Tensor) -> torch.Tensor:
        """(n, n) covariance of x with itself (exactly s² on the diagonal)."""
        r2 = scaled_sq_dist(x, x, self.lengthscales, same=True)
        return matern_of_r2(r2, self.nu, self.outputscale)
