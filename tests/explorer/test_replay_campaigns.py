"""The replay campaigns work as docs/replay.md tells a new user to run them: each validates, runs
briefly through `explorer run` and (Fe-Co-Ni) plots. pto-beps-dkl reads the shipped copy in
campaigns/data; the campaigns in campaigns/external need $COMBI_EXTERNAL_DATA and skip with the
reason when it is absent."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from explorer.cli import main
from explorer.config import load_config
from explorer.engine.build import validate_deep
from explorer.engine.events import FrontUpdated, Measured, read_events
from tests.conftest import CAMPAIGNS, EXTERNAL_CAMPAIGNS, shared_data

FECONI_MAT = "FeCoNi_benchmark_dataset_220501a.mat"


def _run_dir(out: Path) -> Path:
    (run,) = [p for p in out.iterdir() if p.is_dir() and not p.is_symlink()]
    return run


@pytest.mark.parametrize(
    ("campaign", "data", "n"),
    [
        ("pto-beps-dkl.yaml", "pto-beps-50x50", 12),
        ("external/pto-sspfm-replay.yaml", "pto-sspfm-curiosity", 3),
        ("external/pto-sspfm-curiosity.yaml", "pto-sspfm-curiosity", 3),
    ],
)
def test_shared_data_campaigns_validate_and_run(
    campaign: str, data: str, n: int, tmp_path: Path
) -> None:
    shared_data(data)
    cfg = load_config(CAMPAIGNS / campaign)
    library = validate_deep(cfg)
    assert Path(cfg.instrument.dataset).is_absolute() and cfg.instrument.sha256  # type: ignore[union-attr]
    out = tmp_path / "runs"
    assert (
        main(["run", str(CAMPAIGNS / campaign), "--out", str(out), "--max-points", str(n), "-q"])
        == 0
    )
    measured = [
        e for e in read_events(_run_dir(out) / "events.jsonl").events if isinstance(e, Measured)
    ]
    assert len(measured) == n
    assert all(library.contains(m.location_id) for m in measured)
    if "pto-sspfm" in campaign:
        assert measured[0].location_id == 1250  # the paper's start pixel (25, 25)


@pytest.fixture(scope="module")
def feconi_campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The campaign copied into a scratch folder (its runs land next to it); it reads the .mat
    file from $COMBI_EXTERNAL_DATA, converted in memory."""
    shared_data("nist-combi-ternary")
    root = tmp_path_factory.mktemp("checkout")
    (root / "campaigns").mkdir()
    shutil.copy(EXTERNAL_CAMPAIGNS / "feconi-replay-mobo.yaml", root / "campaigns")
    return root / "campaigns" / "feconi-replay-mobo.yaml"


def test_feconi_campaign_reads_the_external_folder() -> None:
    cfg = yaml.safe_load((EXTERNAL_CAMPAIGNS / "feconi-replay-mobo.yaml").read_text())
    expected = "${COMBI_EXTERNAL_DATA}/nist-combi-ternary/" + FECONI_MAT
    assert cfg["library"]["path"] == cfg["instrument"]["dataset"] == expected


def test_feconi_mobo_replay_runs_logs_fronts_and_plots(feconi_campaign: Path) -> None:
    cfg = load_config(feconi_campaign)
    library = validate_deep(cfg)
    assert len(library) == 921 and library.feature_names == ("Fe", "Co", "Ni")
    out = feconi_campaign.parent.parent / "runs"
    args = ["run", str(feconi_campaign), "--out", str(out), "--max-points", "13", "-q"]
    assert main(args) == 0
    run = _run_dir(out)
    events = read_events(run / "events.jsonl").events
    measured = [e for e in events if isinstance(e, Measured)]
    fronts = [e for e in events if isinstance(e, FrontUpdated)]
    assert len(measured) == 13 and len(fronts) == 13
    # the served values are the table's: Kerr > 0 mrad, coercivity within the table's range
    kerr = np.array([m.objectives["kerr_rotation"] for m in measured])
    coer = np.array([m.objectives["coercivity"] for m in measured])
    assert np.all((kerr > 0) & (kerr < 0.83)) and np.all((coer > 1.2) & (coer < 11))
    assert (fronts[-1].hypervolume or 0.0) > 0
    assert main(["plot", str(run)]) == 0
    plots = {p.name for p in (run / "plots").iterdir()}
    assert {"pareto.png", "ternary_kerr_rotation.png"} <= plots, plots
