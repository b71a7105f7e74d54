"""The hardware error hierarchy: one root, exit codes per kind, and replay misses that read as
their message although they are KeyErrors."""

from __future__ import annotations

import pytest

from hardware.errors import (
    ApproachError,
    DatasetError,
    ExplorerError,
    HardwareError,
    HardwareTimeoutError,
    LocationError,
    ReplayMissError,
    SafetyError,
)


def test_every_error_shares_the_root() -> None:
    for cls in (HardwareError, SafetyError, DatasetError, ReplayMissError, ApproachError):
        assert issubclass(cls, ExplorerError)


def test_builtin_bases_are_kept_for_callers_that_catch_them() -> None:
    assert issubclass(HardwareTimeoutError, TimeoutError)
    assert issubclass(DatasetError, ValueError)
    assert issubclass(ReplayMissError, KeyError)
    assert issubclass(ApproachError, SafetyError) and issubclass(ApproachError, LocationError)


def test_replay_miss_reads_as_its_message_not_a_quoted_key() -> None:
    with pytest.raises(KeyError) as info:
        raise ReplayMissError("location (1, 2) never recorded; set miss: nearest")
    assert str(info.value) == "location (1, 2) never recorded; set miss: nearest"
    assert str(ReplayMissError()) == ""


def test_bad_data_and_hardware_faults_exit_differently() -> None:
    assert DatasetError.exit_code == 2
    assert HardwareError.exit_code == 3 and ExplorerError.exit_code == 1
