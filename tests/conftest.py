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
# one thread in the test process, whatever the caller exported: torch's OpenMP pool is not
# fork-safe, and the crash harness forks campaigns from this process (a child of a parent with a
# running pool deadlocks in its first parallel region)
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
CAMPAIGNS = REPO / "campaigns"
EXTERNAL_CAMPAIGNS = CAMPAIGNS / "external"
SHIPPED_DATA = CAMPAIGNS / "data"
EXTERNAL_DATA_ENV = "COMBI_EXTERNAL_DATA"
# the campaigns in campaigns/external/ read their data from $COMBI_EXTERNAL_DATA; tests use the
# project layout's ../shared/data when the variable is unset
if not os.environ.get(EXTERNAL_DATA_ENV) and SHARED_DATA.is_dir():
    os.environ[EXTERNAL_DATA_ENV] = str(SHARED_DATA)


def external_root() -> Path:
    return Path(os.environ.get(EXTERNAL_DATA_ENV) or SHARED_DATA)


def shared_data(name: str) -> Path:
    """Folder of an example dataset: the copy shipped in campaigns/data/<name>, else (data that
    may not be redistributed) $COMBI_EXTERNAL_DATA/<name>; skips the test with the reason when
    it is absent."""
    if (SHIPPED_DATA / name).is_dir():
        return SHIPPED_DATA / name
    path = external_root() / name
    if not path.exists():
        pytest.skip(
            f"external dataset {name!r} not available at {path} (not shipped: it may not be "
            f"redistributed; set {EXTERNAL_DATA_ENV} to the folder that holds it)"
        )
    return path


def data_file(name: str, file: str) -> Path:
    """One file of an example dataset: shipped, else external (see `shared_data`), else skip."""
    for folder in (SHIPPED_DATA / name, external_root() / name):
        if (folder / file).is_file():
            return folder / file
    pytest.skip(
        f"{name}/{file} is not shipped (size or license) and not at {external_root() / name}; "
        f"set {EXTERNAL_DATA_ENV} to the folder that holds {name}/"
    )


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
