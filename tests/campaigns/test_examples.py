"""Every example campaign validates and runs briefly (simulator or replay).

The campaigns at the top level of campaigns/ need nothing outside the repository: their
datasets ship in campaigns/data/. Those in campaigns/external/ read data that may not be
redistributed from $COMBI_EXTERNAL_DATA and skip, naming it, when it is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from explorer.cli import main
from explorer.config import load_config
from explorer.engine.build import validate_deep
from tests.conftest import CAMPAIGNS, EXTERNAL_CAMPAIGNS, EXTERNAL_DATA_ENV, REPO, shared_data

SHIPPED = sorted(CAMPAIGNS.glob("*.yaml"))
EXAMPLES = SHIPPED + sorted(EXTERNAL_CAMPAIGNS.glob("*.yaml"))
VARIABLE = "${" + EXTERNAL_DATA_ENV + "}/"


def example(path: Path) -> Path:
    """The campaign, ready to load; skips when its external data is absent."""
    raw = yaml.safe_load(path.read_text())
    refs = {
        str(raw.get(k, {}).get(f, "")) for k, f in (("library", "path"), ("instrument", "dataset"))
    }
    for ref in sorted(refs - {""}):
        if ref.startswith(VARIABLE):
            assert path.parent == EXTERNAL_CAMPAIGNS, (
                f"{path.name}: external data outside external/"
            )
            shared_data(ref.removeprefix(VARIABLE).split("/", 1)[0])
        else:
            assert (path.parent / ref).is_file(), f"{path.name}: {ref} is not in the repository"
    return path


def test_there_are_examples() -> None:
    assert {"smbfo-gp-bo.yaml", "smbfo-random.yaml", "pto-beps-dkl.yaml"} <= {
        p.name for p in SHIPPED
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_validates(path: Path) -> None:
    cfg = load_config(example(path))
    assert len(validate_deep(cfg)) > 0
    assert cfg.description, "every example says what it is for"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_briefly(path: Path, tmp_path: Path) -> None:
    runnable = example(path)
    rc = main(["run", str(runnable), "-q", "--max-points", "4", "--out", str(tmp_path / "runs")])
    assert rc == 0


def test_no_product_file_names_the_shared_folder() -> None:
    """The repository stands alone: no campaign, doc or product file points at ../shared."""
    pattern = re.compile(r"\.\./shared|shared/data")
    roots = ["campaigns", "docs", "explorer", "hardware", "novelty"]
    files = [REPO / "README.md", REPO / "CONTRIBUTING.md", REPO / "Makefile"]
    files += [
        p for r in roots for p in (REPO / r).rglob("*") if p.suffix in (".py", ".yaml", ".md")
    ]
    offenders = [str(p.relative_to(REPO)) for p in files if pattern.search(p.read_text())]
    assert not offenders, offenders


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_campaign_validates_without_external_data(path: Path, monkeypatch) -> None:
    """`explorer validate` with COMBI_EXTERNAL_DATA unset, as on a fresh clone."""
    monkeypatch.delenv(EXTERNAL_DATA_ENV, raising=False)
    assert main(["validate", str(path)]) == 0


def test_external_campaign_without_its_variable_says_which_to_set(monkeypatch, capsys) -> None:
    monkeypatch.delenv(EXTERNAL_DATA_ENV, raising=False)
    for path in sorted(EXTERNAL_CAMPAIGNS.glob("*.yaml")):
        assert main(["validate", str(path)]) == 2
        err = capsys.readouterr().err
        assert f"set {EXTERNAL_DATA_ENV} to the folder that holds it" in err, path.name
