"""Retired config keys: found at any depth, stripped from recorded configs, refused in campaigns."""

import pytest

from explorer.config import parse_config
from explorer.config.retired_keys import find_retired, refuse_retired, strip_retired
from explorer.errors import ConfigError


def _data(engine: str = "closed_form") -> dict:
    return {
        "strategy": {
            "kind": "two_phase",
            "initial": {"kind": "sobol", "n": 3},
            "then": {"kind": "gp_bo", "gp": {"nu": 2.5, "engine": engine}},
        },
        "sweep": [{"gp": {"engine": "gpytorch"}}],
    }


def test_find_retired_names_every_path_and_value() -> None:
    found = find_retired(_data())
    assert [(r.path, r.value) for r in found] == [
        ("strategy.then.gp.engine", "closed_form"),
        ("sweep[0].gp.engine", "gpytorch"),
    ]
    assert "gpytorch" in found[0].why
    assert found[0].describe().startswith("strategy.then.gp.engine: 'closed_form' is a retired key")


def test_strip_retired_copies_and_leaves_the_input_alone() -> None:
    data = _data()
    clean, found = strip_retired(data)
    assert len(found) == 2
    assert clean["strategy"]["then"]["gp"] == {"nu": 2.5}
    assert clean["sweep"][0]["gp"] == {}
    assert data["strategy"]["then"]["gp"]["engine"] == "closed_form"


def test_strip_retired_without_retired_keys_returns_the_same_object() -> None:
    data = {"strategy": {"kind": "random"}, "engine": "not under gp"}
    assert strip_retired(data) == (data, [])


def test_a_campaign_file_setting_a_retired_key_is_refused_with_the_fix() -> None:
    with pytest.raises(ConfigError) as err:
        refuse_retired(_data(), "c.yaml")
    assert str(err.value).startswith("c.yaml: strategy.then.gp.engine: retired key; delete it")
    assert len(err.value.problems) == 2


def test_parse_config_refuses_a_retired_key(make_config) -> None:
    data = make_config(strategy={"kind": "gp_bo", "gp": {"engine": "gpytorch"}})
    with pytest.raises(ConfigError, match=r"strategy\.gp\.engine: retired key; delete it"):
        parse_config(data, source="c.yaml")


def test_shared_nodes_are_visited_once() -> None:
    """YAML aliases make one object appear in many places: 9**12 paths, 13 objects."""
    node: list = ["x"] * 9
    for _ in range(12):
        node = [node] * 9
    assert find_retired({"a": node}) == []
    shared = {"gp": {"engine": "closed_form"}}
    found = find_retired({"one": shared, "two": shared})
    assert [r.path for r in found] == ["one.gp.engine"]
    clean, _ = strip_retired({"one": shared, "two": shared})
    assert clean["one"] == {"gp": {}} and clean["two"] == {"gp": {}}
