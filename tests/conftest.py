"""Shared fixtures. No test sleeps (simulators run on a virtual clock); matplotlib uses Agg."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
CAMPAIGNS = REPO / "campaigns"


def shared_data(name: str) -> Path:
    """Path of a dataset folder in ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"shared dataset {name!r} not available at {path} (../shared/data is absent)")
    return path


BASE_CONFIG: dict[str, Any] = {
    "schema_version": 1,
    "name": "test-campaign",
    "seed": 1234,
    "library": {
        "kind": "grid",
        "x_mm": [0.0, 8.0],
        "y_mm": [0.0, 1.0],
        "shape": [17, 3],
        "composition": {"kind": "linear", "element": "Sm", "axis": "x", "range": [0.0, 0.2]},
    },
    "instrument": {"kind": "sim", "sample": "smbfo"},
    "objectives": [{"name": "loop_height", "from": "sspfm", "metric": "loop_height"}],
    "strategy": {"kind": "random"},
    "stop": {"max_points": 6},
}


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """A valid campaign dict writing into tmp_path; keyword arguments replace top-level keys."""

    def make(**overrides: Any) -> dict[str, Any]:
        cfg = copy.deepcopy(BASE_CONFIG)
        cfg["output"] = {"dir": str(tmp_path / "runs")}
        cfg.update(copy.deepcopy(overrides))
        return cfg

    return make


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[dict[str, Any], str], Path]:
    import yaml

    def write(data: dict[str, Any], name: str = "campaign.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    return write


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _close_figures() -> Any:
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the reliability counters (kill points, faults, fuzz cases) when tests filled them."""
    from tests.reliability_summary import write_summary

    write_summary(terminalreporter.write_line)
