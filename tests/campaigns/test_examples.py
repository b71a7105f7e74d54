"""Every example campaign validates and runs briefly (simulator or replay).

Replay examples need ../shared/data and skip, naming what is missing, without it. An example that
reads a converted dataset from the repository's git-ignored data/ folder (its header gives the
`explorer dataset convert` command) is copied into a temporary checkout next to a fresh conversion,
exactly as a new user would prepare it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from explorer.cli import main
from explorer.config import load_config
from explorer.engine.build import validate_deep
from tests.conftest import CAMPAIGNS, shared_data

EXAMPLES = sorted(CAMPAIGNS.glob("*.yaml"))

#: converted datasets read from data/: file name -> (shared dataset, source file in it)
CONVERTED = {"feconi-ternary.h5": ("nist-combi-ternary", "FeCoNi_benchmark_dataset_220501a.mat")}


def example(path: Path, tmp_path: Path) -> Path:
    """The campaign ready to load (see the module docstring); skips when its data is absent."""
    raw = yaml.safe_load(path.read_text())
    refs = {
        str(raw.get(k, {}).get(f, "")) for k, f in (("library", "path"), ("instrument", "dataset"))
    }
    for ref in sorted(refs - {""}):
        if "shared/data/" in ref:
            shared_data(ref.split("shared/data/", 1)[1].split("/", 1)[0])
        elif Path(ref).name in CONVERTED:
            folder, source = CONVERTED[Path(ref).name]
            src = shared_data(folder) / source
            copy = tmp_path / "checkout" / "campaigns" / path.name
            if not copy.exists():
                copy.parent.mkdir(parents=True)
                shutil.copy(path, copy)
            target = (copy.parent / ref).resolve()
            if not target.exists():
                assert main(["dataset", "convert", str(src), str(target)]) == 0
            path = copy
        else:
            raise AssertionError(f"{path.name}: unknown dataset {ref!r}; add it to CONVERTED")
    return path


def test_there_are_examples() -> None:
    assert {"smbfo-gp-bo.yaml", "smbfo-random.yaml"} <= {p.name for p in EXAMPLES}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_validates(path: Path, tmp_path: Path) -> None:
    cfg = load_config(example(path, tmp_path))
    assert len(validate_deep(cfg)) > 0
    assert cfg.description, "every example says what it is for"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_briefly(path: Path, tmp_path: Path) -> None:
    runnable = example(path, tmp_path)
    rc = main(["run", str(runnable), "-q", "--max-points", "4", "--out", str(tmp_path / "runs")])
    assert rc == 0
