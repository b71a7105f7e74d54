"""Config loading: safe YAML, alias bombs, duplicate keys, messages that name key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.config import load_config, parse_config
from explorer.errors import ConfigError


def test_defaults_are_filled_and_frozen(make_config) -> None:
    cfg = parse_config(make_config())
    assert cfg.output.strict is True and cfg.batch_size == 1
    with pytest.raises(Exception, match="frozen"):
        cfg.seed = 3  # type: ignore[misc]


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for k in range(1, 12):
        prev = f"*a{k - 1}"
        lines.append(f"a{k}: &a{k} [{', '.join([prev] * 9)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match="alias"):
        load_config(path)


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("seed: 1\nseed: 2\n")
    with pytest.raises(ConfigError, match="duplicate key"):
        load_config(path)


def test_python_objects_are_not_constructed(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("seed: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(path)


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        (
            {
                "objectives": [
                    {"name": "a", "from": "sspfm", "metric": "loop_area"},
                    {"name": "a", "from": "sspfm", "metric": "loop_height"},
                ]
            },
            "objectives:",
        ),
        ({"objectives": [{"name": "a", "from": "sspfm", "metric": "wiggle"}]}, "unknown metric"),
        ({"stop": {"target": {"nope": 1.0}}}, "stop.target"),
        (
            {"library": {"kind": "grid", "x_mm": [5, 1], "y_mm": [0, 1], "shape": [3, 3]}},
            "low < high",
        ),
        ({"seed": float("nan")}, "seed"),
        (
            {
                "library": {
                    "kind": "grid",
                    "x_mm": [0, 1],
                    "y_mm": [0, 1],
                    "shape": [3, 3],
                    "composition": {"kind": "linear", "element": "Sm", "range": [0.0, 1.5]},
                }
            },
            "range",
        ),
        ({"instrument": {"kind": "sim", "sample_params": {"x_mpb": 0.1, "colour": 1.0}}}, "colour"),
    ],
)
def test_cross_field_and_value_errors(make_config, patch, expected) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(make_config(**patch), source="c.yaml")
    assert expected in str(info.value)
    assert all("\n" not in p for p in info.value.problems)


def test_two_objectives_with_single_objective_strategy(make_config) -> None:
    cfg = make_config(
        objectives=[
            {"name": "area", "from": "sspfm", "metric": "loop_area"},
            {"name": "vc", "from": "sspfm", "metric": "coercive_bias", "direction": "minimize"},
        ],
        strategy={"kind": "gp_bo"},
    )
    with pytest.raises(ConfigError, match="set `objective:`"):
        parse_config(cfg)
    cfg["strategy"]["objective"] = "area"
    assert parse_config(cfg).strategy.kind == "gp_bo"


def test_several_problems_one_line_each(make_config) -> None:
    cfg = make_config()
    cfg["colour"] = 1
    cfg["stop"] = {"max_points": -3}
    with pytest.raises(ConfigError) as info:
        parse_config(cfg)
    assert len(info.value.problems) == 2
