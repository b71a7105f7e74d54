"""Every example sweep validates (all of its campaigns included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.sweep.spec import load_sweep
from tests.conftest import CAMPAIGNS

SWEEPS = sorted((CAMPAIGNS / "sweeps").glob("*.yaml"))


def test_there_are_sweep_examples() -> None:
    assert "smbfo-strategies.yaml" in {p.name for p in SWEEPS}


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_sweep_example_validates(path: Path, tmp_path: Path) -> None:
    plan = load_sweep(path, out=tmp_path)
    assert len(plan.tasks) >= 2
    assert all(Path(t.task_dir).is_relative_to(tmp_path) for t in plan.tasks)
