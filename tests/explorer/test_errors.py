"""The explorer error hierarchy: config errors carry their list of problems and exit 2, and
every explorer error is also a hardware-layer ExplorerError (one root for the CLI)."""

from __future__ import annotations

from explorer.errors import (
    ConfigError,
    EventLogError,
    ExplorerError,
    InputFileError,
    ModelFitError,
    NoCandidatesLeftError,
    StrategyError,
)
from hardware.errors import ExplorerError as HardwareRoot


def test_a_config_error_is_its_own_single_problem_by_default() -> None:
    err = ConfigError("stop: max_points must be > 0")
    assert err.problems == ("stop: max_points must be > 0",)
    assert str(err) == "stop: max_points must be > 0" and err.exit_code == 2


def test_a_config_error_keeps_every_problem_it_was_given() -> None:
    err = ConfigError("2 problems", ("a: bad", "b: bad"))
    assert err.problems == ("a: bad", "b: bad")


def test_one_root_for_both_layers() -> None:
    assert ExplorerError is HardwareRoot
    for cls in (ConfigError, InputFileError, EventLogError, NoCandidatesLeftError, ModelFitError):
        assert issubclass(cls, ExplorerError)
    assert issubclass(EventLogError, InputFileError) and EventLogError.exit_code == 2
    assert issubclass(NoCandidatesLeftError, StrategyError)
    assert issubclass(ConfigError, ValueError)
