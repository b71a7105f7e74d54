"""User scalarizers: imported and checked by validate before anything moves, and run inside a
guard so that whatever they raise fails one location, not the process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.errors import ConfigError
from explorer.objectives import call_function, load_function
from hardware.errors import MeasurementError
from tests.fuzzing import run_cli


def two_args(arrays: dict[str, np.ndarray], scale: float) -> float:
    return scale


NOT_CALLABLE = 3.0


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("no_such_module_for_tests:f", "cannot import scalarizer"),
        ("json:no_such_function", "cannot import scalarizer"),
        ("tests.explorer.test_objectives_guard:two_args", "called as f(arrays: dict)"),
        ("tests.explorer.test_objectives_guard:NOT_CALLABLE", "is not callable"),
        ("json", "must look like"),
    ],
)
def test_load_function_refuses_what_cannot_be_called(path, words) -> None:
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_function(path)


def test_the_guard_turns_system_exit_into_a_location_fault() -> None:
    with pytest.raises(MeasurementError, match="SystemExit") as info:
        call_function("sys:exit", {"data": np.zeros(100_000)}, 7)
    assert len(str(info.value)) < 400 and "location 7" in str(info.value)


def test_validate_and_run_refuse_an_unimportable_function(make_config, write_yaml) -> None:
    cfg = make_config(
        objectives=[{"name": "v", "from": "sspfm", "metric": "x", "function": "no_such_mod_x:fly"}]
    )
    path = write_yaml(cfg)
    for argv in (["validate", str(path)], ["run", str(path), "-q"]):
        code, _, err = run_cli(argv)
        assert code == 2 and err.count("\n") == 1 and "no_such_mod_x:fly" in err, err
    assert not Path(cfg["output"]["dir"]).exists() or not any(Path(cfg["output"]["dir"]).iterdir())


def test_the_yaml_reference_says_function_runs_installed_code() -> None:
    from tests.conftest import REPO

    text = (REPO / "docs" / "campaign-yaml.md").read_text()
    assert "`function:` entry imports and runs that installed Python code" in text
    assert (
        "`function: pkg.mod:fn` imports and runs installed code" in (REPO / "README.md").read_text()
    )
