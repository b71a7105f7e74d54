"""`steering:` in a campaign YAML: defaults, the approval gate, and one clear line when wrong."""

from __future__ import annotations

import copy

import pytest
import yaml

from explorer.config import parse_config
from explorer.errors import ConfigError
from tests.conftest import BASE_CONFIG


def _with(steering: object) -> dict[str, object]:
    cfg = copy.deepcopy(BASE_CONFIG)
    cfg["steering"] = steering
    return cfg


def test_default_is_no_gate() -> None:
    s = parse_config(copy.deepcopy(BASE_CONFIG)).steering
    assert (s.approval, s.timeout_s, s.on_timeout) == ("none", 600.0, "pause")


def test_gate_from_yaml() -> None:
    data = yaml.safe_load("approval: required\ntimeout_s: 30\non_timeout: veto\n")
    s = parse_config(_with(data)).steering
    assert (s.approval, s.timeout_s, s.on_timeout) == ("required", 30.0, "veto")


@pytest.mark.parametrize(
    ("steering", "field"),
    [
        (yaml.safe_load("approval: off"), "steering.approval"),  # YAML reads `off` as false
        ({"approval": "required", "timeout_s": 0}, "steering.timeout_s"),
        ({"on_timeout": "wait"}, "steering.on_timeout"),
        ({"approve": "required"}, "steering: unknown key 'approve'"),
    ],
)
def test_bad_steering_is_one_line_naming_the_field(steering: object, field: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config(_with(steering))
    assert str(exc.value).startswith(f"<config>: {field}") and "\n" not in str(exc.value)
