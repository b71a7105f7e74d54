"""Thread limits reach torch, the BLAS pools and libraries imported later."""

from __future__ import annotations

import os

import pytest
import torch

from explorer.engine.threads import current_threads, limit_threads


def test_limit_threads_sets_every_pool() -> None:
    limit_threads(1)
    assert torch.get_num_threads() == 1
    assert os.environ["OMP_NUM_THREADS"] == "1"
    assert all(n == 1 for n in current_threads().values())


def test_rejects_zero() -> None:
    with pytest.raises(ValueError, match=">= 1"):
        limit_threads(0)
