"""Sweep YAML: merging, expansion into tasks, validation (one line per problem, exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from explorer.cli import main
from explorer.errors import ConfigError
from explorer.sweep.spec import deep_merge, load_sweep, plan_sweep
from tests.conftest import BASE_CONFIG, CAMPAIGNS


def _sweep(tmp_path: Path, **over) -> dict:
    data = {
        "schema_version": 1,
        "name": "grid",
        "base": dict(BASE_CONFIG),
        "overrides": {"random": {}, "sobol": {"strategy": {"kind": "sobol", "n": 4}}},
        "datasets": {"wide": {"library": {"shape": [21, 3]}}, "narrow": {}},
        "seeds": [3, 4, 5],
        "max_points": 4,
        "output": {"dir": str(tmp_path / "out")},
    }
    data.update(over)
    return data


def test_deep_merge_rules() -> None:
    base = {"a": {"b": 1, "c": 2}, "s": {"kind": "two_phase", "initial": {"kind": "sobol"}}}
    merged = deep_merge(base, {"a": {"c": 3}, "s": {"kind": "random"}, "z": [1]})
    assert merged == {"a": {"b": 1, "c": 3}, "s": {"kind": "random"}, "z": [1]}
    same_kind = deep_merge(base, {"s": {"kind": "two_phase", "then": {"kind": "gp_bo"}}})
    assert same_kind["s"] == {
        "kind": "two_phase",
        "initial": {"kind": "sobol"},
        "then": {"kind": "gp_bo"},
    }
    assert base["a"] == {"b": 1, "c": 2}  # inputs unchanged


def test_grid_expansion(tmp_path) -> None:
    plan = plan_sweep(_sweep(tmp_path))
    assert len(plan.tasks) == 2 * 2 * 3
    keys = [t.key for t in plan.tasks]
    assert len(set(keys)) == len(keys) and keys[0] == "wide/random/seed-3"
    t = next(t for t in plan.tasks if t.key == "wide/sobol/seed-4")
    assert t.campaign["seed"] == 4 and t.campaign["stop"]["max_points"] == 4
    assert t.campaign["library"]["shape"] == [21, 3]
    assert t.campaign["strategy"] == {"kind": "sobol", "n": 4}
    assert t.task_dir == str(tmp_path / "out" / "grid" / "tasks" / "wide" / "sobol" / "seed-4")
    assert plan.sweep_dir == tmp_path / "out" / "grid"


def test_seed_range_and_base_file_relative_to_the_sweep(tmp_path) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "base.yaml").write_text((CAMPAIGNS / "smbfo-random.yaml").read_text())
    path = tmp_path / "c" / "sweep.yaml"
    data = _sweep(tmp_path, base="base.yaml", seeds={"start": 10, "count": 2}, datasets={"d": {}})
    path.write_text(yaml.safe_dump(data))
    plan = load_sweep(path)
    assert sorted({t.seed for t in plan.tasks}) == [10, 11]
    assert plan.tasks[0].campaign["name"] == "smbfo-random"


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda d: d.update(colour=1), "colour"),
        (lambda d: d.update(seeds=[1, 1]), "seeds"),
        (lambda d: d.update(seeds=[]), "seeds"),
        (lambda d: d["overrides"].update({"bad name!": {}}), "overrides"),
        (lambda d: d.update(max_points=0), "max_points"),
        (lambda d: d["overrides"].update(typo={"strategy": {"kind": "nope"}}), "overrides.typo"),
        (lambda d: d["datasets"].update(huge={"library": {"shape": [2, 1]}}), "datasets.huge"),
    ],
)
def test_invalid_sweeps_fail_before_anything_runs(tmp_path, capsys, mutate, needle) -> None:
    data = _sweep(tmp_path)
    mutate(data)
    with pytest.raises(ConfigError) as info:
        plan_sweep(data, source="s.yaml")
    assert any(needle in p for p in info.value.problems)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["sweep", str(path), "--serial", "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err and all(line.startswith("error: ") for line in err)
    assert len(err) == len(info.value.problems)
    assert not (tmp_path / "out").exists()


def test_cli_rejects_conflicting_executors(tmp_path, capsys) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_sweep(tmp_path)))
    assert main(["sweep", str(path), "--serial", "--workers", "2"]) == 2
    assert "at most one" in capsys.readouterr().err
