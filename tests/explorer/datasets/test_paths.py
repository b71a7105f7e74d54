"""A dataset path that is not a regular file is named for what it is, in one line."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from explorer.datasets import load_dataset
from explorer.datasets.paths import check_dataset_path
from explorer.errors import DatasetError


def _special(tmp_path: Path) -> list[tuple[Path, str]]:
    out = [(tmp_path, "is a directory"), (tmp_path / "absent.h5", "file not found")]
    if sys.platform != "win32":
        fifo = tmp_path / "pipe.h5"
        os.mkfifo(fifo)
        out += [(fifo, "is a FIFO"), (Path("/dev/zero"), "is a character device")]
    return out


def test_directories_fifos_and_devices_are_named(tmp_path) -> None:
    for path, words in _special(tmp_path):
        with pytest.raises(DatasetError, match=words):
            check_dataset_path(path)
        with pytest.raises(DatasetError, match=words):
            load_dataset(path)


def test_the_campaign_validator_says_the_same(make_config, write_yaml, tmp_path) -> None:
    from tests.fuzzing import run_cli

    for path, words in _special(tmp_path):
        cfg = make_config(
            instrument={"kind": "replay", "dataset": str(path)},
        )
        code, _, err = run_cli(["validate", str(write_yaml(cfg))])
        words = "not found" if words == "file not found" else words
        assert code == 2 and words in err and "Traceback" not in err, err
