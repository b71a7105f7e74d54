"""Fixtures of the dashboard tests: a short finished sim run (real events, real raw files)."""

from __future__ import annotations

import contextlib
import copy
import io
from pathlib import Path
from typing import Any

import pytest

from explorer.config import parse_config
from explorer.engine.session import start_new
from tests.conftest import BASE_CONFIG

MOBO: dict[str, Any] = {
    "objectives": [
        {"name": "loop_area", "from": "sspfm", "metric": "loop_area"},
        {
            "name": "coercive_bias",
            "from": "sspfm",
            "metric": "coercive_bias",
            "direction": "minimize",
        },
    ],
    "outcomes": [{"name": "fit_r2", "from": "sspfm", "metric": "fit_r2"}],
    "constraints": [{"name": "fit_r2", "min": 0.8}],
    "strategy": {
        "kind": "two_phase",
        "initial": {"kind": "sobol", "n": 4},
        "then": {
            "kind": "mobo",
            "acquisition": "ehvi",
            "ref_point": {"loop_area": 0.0, "coercive_bias": 3.5},
        },
    },
    "stop": {"max_points": 6},
}


def run_campaign(out: Path, **overrides: Any) -> Path:
    cfg = copy.deepcopy(BASE_CONFIG)
    cfg.update(copy.deepcopy(overrides))
    cfg["output"] = {"dir": str(out)}
    session = start_new(parse_config(cfg))
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            session.runner.run()
        finally:
            session.close()
    return session.run_dir


@pytest.fixture(scope="module")
def mobo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 6-point two-objective run with a constraint."""
    return run_campaign(tmp_path_factory.mktemp("runs"), **MOBO)
