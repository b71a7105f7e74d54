"""End to end through the CLI: run, plot, validate, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explorer.cli import main
from explorer.engine.events import read_events


def _run_dirs(out: Path) -> list[Path]:
    return sorted(p for p in out.glob("test-campaign-*") if p.is_dir())


def test_run_writes_log_raw_config_and_plot(make_config, write_yaml, tmp_path, capsys) -> None:
    path = write_yaml(make_config())
    assert main(["run", str(path), "--quiet"]) == 0
    (run,) = _run_dirs(tmp_path / "runs")
    contents = read_events(run / "events.jsonl")
    types = [e.type for e in contents.events]
    assert types[0] == "run_started" and types[-1] == "run_stopped"
    assert types.count("measured") == 6 and types.count("suggested") == 6
    assert contents.torn_tail is None
    for line in (run / "events.jsonl").read_text().splitlines():
        d = json.loads(line)
        assert {"seq", "time", "type"} <= set(d) and d["time"].endswith("Z")
    measured = [e for e in contents.events if e.type == "measured"]
    assert all((run / m.raw).is_file() for m in measured)
    assert (run / "config.yaml").is_file()
    assert (tmp_path / "runs" / "latest").resolve() == run.resolve()
    assert main(["plot", str(run)]) == 0
    assert (run / "plots" / "map_loop_height.png").stat().st_size > 10_000


def test_two_runs_never_share_a_directory(make_config, write_yaml, tmp_path) -> None:
    path = write_yaml(make_config(stop={"max_points": 2}))
    assert main(["run", str(path), "-q"]) == 0
    assert main(["run", str(path), "-q"]) == 0
    assert len(_run_dirs(tmp_path / "runs")) == 2


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda c: c.update(colour="blue"), "colour"),
        (lambda c: c["strategy"].update(kind="bayesian"), "strategy"),
        (lambda c: c.pop("objectives"), "objectives"),
        (lambda c: c["library"].update(shape=["many", 3]), "library.shape"),
        (lambda c: c.update(seed=-1), "seed"),
        (lambda c: c["stop"].update(max_points="ten"), "stop.max_points"),
        (lambda c: c["strategy"].update(kind="gp_bo", beta=-1.0), "strategy.beta"),
        (lambda c: c.update(schema_version=2), "schema_version"),
        (lambda c: c.update(strategy={"kind": "mobo"}), "strategy"),
    ],
)
def test_bad_config_one_line_exit_2_no_run(make_config, write_yaml, tmp_path, capsys, mutate, key):
    cfg = make_config()
    mutate(cfg)
    path = write_yaml(cfg)
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert key in err[0]
    assert not (tmp_path / "runs").exists() or not _run_dirs(tmp_path / "runs")
    assert main(["validate", str(path)]) == 2


def test_validate_ok(make_config, write_yaml, capsys) -> None:
    assert main(["validate", str(write_yaml(make_config()))]) == 0
    assert capsys.readouterr().out.startswith("ok")


def test_missing_file_and_not_yaml(tmp_path, capsys) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n")
    assert main(["validate", str(bad)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and "not found" in lines[0] and "invalid YAML" in lines[1]


def test_initial_points_are_measured_first(make_config, write_yaml, tmp_path) -> None:
    cfg = make_config(initial_points=[5, {"x_mm": 8.0, "y_mm": 1.0}])
    assert main(["run", str(write_yaml(cfg)), "-q"]) == 0
    (run,) = _run_dirs(tmp_path / "runs")
    ids = [e.location_id for e in read_events(run / "events.jsonl").events if e.type == "measured"]
    assert ids[:2] == [5, 50]


def test_bad_initial_point_rejected(make_config, write_yaml, capsys) -> None:
    cfg = make_config(initial_points=[9999])
    assert main(["run", str(write_yaml(cfg))]) == 2
    assert "initial_points[0]" in capsys.readouterr().err
