"""Every example campaign validates and runs briefly on the simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.build import validate_deep
from explorer.cli import main
from explorer.config import load_config
from tests.conftest import CAMPAIGNS

EXAMPLES = sorted(CAMPAIGNS.glob("*.yaml"))


def test_there_are_examples() -> None:
    assert {"smbfo-gp-bo.yaml", "smbfo-random.yaml"} <= {p.name for p in EXAMPLES}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_validates(path: Path) -> None:
    cfg = load_config(path)
    assert len(validate_deep(cfg)) > 0
    assert cfg.description, "every example says what it is for"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_briefly(path: Path, tmp_path: Path) -> None:
    if "dataset" in path.read_text() and not (CAMPAIGNS.parent.parent / "shared" / "data").exists():
        pytest.skip("needs ../shared/data")
    rc = main(["run", str(path), "-q", "--max-points", "4", "--out", str(tmp_path)])
    assert rc == 0
