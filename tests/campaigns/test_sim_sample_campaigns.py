"""`kind: sim` with `sample: smbfo | alscbn | phases`: composition vectors reach the sample, a
sample whose map follows the position runs without a composition map."""

from __future__ import annotations

import pytest
import yaml

from explorer.cli import main
from explorer.engine.events import read_events
from tests.conftest import CAMPAIGNS


def test_alscbn_campaign_runs_on_the_ternary_map(tmp_path) -> None:
    cfg = yaml.safe_load((CAMPAIGNS / "alscbn-sim.yaml").read_text())
    cfg["output"] = {"dir": str(tmp_path / "runs")}
    cfg["strategy"] = {"kind": "random"}
    cfg["stop"] = {"max_points": 4}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["run", str(path), "-q"]) == 0
    (run,) = [p for p in (tmp_path / "runs").iterdir() if not p.is_symlink()]
    measured = [e for e in read_events(run / "events.jsonl").events if e.type == "measured"]
    assert len(measured) == 4
    for m in measured:
        comp = m.scalars
        assert {"composition_Al", "composition_Sc", "composition_B"} <= set(comp)
        assert sum(comp[f"composition_{e}"] for e in ("Al", "Sc", "B")) == pytest.approx(1.0)


def test_alscbn_on_a_binary_gradient_is_one_line_error(make_config, write_yaml, capsys) -> None:
    cfg = make_config(instrument={"kind": "sim", "sample": "alscbn"})
    assert main(["validate", str(write_yaml(cfg))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "library.composition" in err[0] and "['Sc', 'B']" in err[0]


def test_unknown_sample_param_names_the_sample(make_config, write_yaml, capsys) -> None:
    cfg = make_config(instrument={"kind": "sim", "sample": "smbfo", "sample_params": {"d33": 1}})
    assert main(["validate", str(write_yaml(cfg))]) == 2
    err = capsys.readouterr().err
    assert "sample_params" in err and "'smbfo'" in err


def test_phases_campaign_runs_without_a_composition_map(make_config, write_yaml) -> None:
    cfg = make_config(
        library={"kind": "grid", "x_mm": [0, 10], "y_mm": [0, 10], "shape": [6, 6],
                 "features": "position"},
        instrument={"kind": "sim", "sample": "phases", "travel_mm": [[-1, 11], [-1, 11]]},
        stop={"max_points": 3},
    )  # fmt: skip
    path = write_yaml(cfg)
    assert main(["run", str(path), "-q"]) == 0
    runs = [p for p in (path.parent / "runs").iterdir() if not p.is_symlink()]
    measured = [e for e in read_events(runs[0] / "events.jsonl").events if e.type == "measured"]
    assert len(measured) == 3
