"""`explorer dataset inspect | convert | simulate | formats` end to end, and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.cli import main
from hardware.replay import read_dataset, write_dataset
from hardware.replay.io import as_mapping
from tests.conftest import shared_data
from tests.hardware.replay.helpers import toy_dataset


def test_inspect_native(tmp_path: Path, capsys) -> None:
    path = write_dataset(toy_dataset(), tmp_path / "toy.npz")
    assert main(["dataset", "inspect", str(path)]) == 0
    text = capsys.readouterr().out
    for expected in (
        "format: native",
        "locations: 24",
        "channel sspfm (loop)",
        "axis bias_v",
        "pr_off",
        "(24×32) [a.u.] over bias_v",
        "std in height_std",
        "ground truth",
        "image: 4×6×1 (amplitude)",
        "license: MIT",
    ):
        assert expected in text, expected


def test_convert_then_inspect_shared_beps(tmp_path: Path, capsys) -> None:
    src = shared_data("pto-beps-50x50") / "BEPS_PTO_50x50.h5"
    out = tmp_path / "beps.h5"
    assert main(["dataset", "convert", str(src), str(out), "--set", "image=median_abs"]) == 0
    assert "wrote" in capsys.readouterr().out
    ds = read_dataset(out)
    assert ds.provenance["image"] == "median_abs_piezoresponse"
    assert main(["dataset", "inspect", str(src)]) == 0
    assert "nsid_beps, converted in memory" in capsys.readouterr().out
    assert main(["dataset", "convert", str(src), str(out)]) == 2  # exists
    assert "--force" in capsys.readouterr().err


def test_simulate_writes_a_replayable_dataset(make_config, write_yaml, tmp_path: Path) -> None:
    path = write_yaml(make_config())
    out = tmp_path / "sim.npz"
    assert main(["dataset", "simulate", str(path), str(out)]) == 0
    a = read_dataset(out)
    assert main(["dataset", "simulate", str(path), str(out), "--force"]) == 0
    b = read_dataset(out)
    for key, arr in as_mapping(a).items():  # same seed, same recording (NaN = missing point)
        np.testing.assert_array_equal(arr, as_mapping(b)[key], err_msg=key)


def test_formats_lists_every_converter(capsys) -> None:
    assert main(["dataset", "formats"]) == 0
    text = capsys.readouterr().out
    for name in (
        "nsid_beps",
        "npy_sspfm_cube",
        "nsid_pfm_images",
        "mat_ternary",
        "csv_loop_height_profile",
        "table",
        "cube",
        "matrix",
        "ibw",
        "nsid",
        "scifi",
    ):
        assert name in text


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["dataset", "inspect", "{tmp}/missing.h5"], "file not found"),
        (["dataset", "inspect", "{tmp}/notes.txt"], "no converter recognises it"),
        (["dataset", "inspect", "{tmp}/toy.h5", "--set", "stride"], "KEY=VALUE"),
        (["dataset", "inspect", "{tmp}/toy.h5", "--set", "stride=2"], "takes no format options"),
        (["dataset", "convert", "{tmp}/toy.h5", "{tmp}/out.tiff"], "unknown dataset file type"),
        (["dataset", "simulate", "{tmp}/replay.yaml", "{tmp}/x.h5"], "needs kind: sim"),
    ],
)
def test_bad_input_is_one_line_exit_2(make_config, write_yaml, tmp_path, capsys, args, expect):
    (tmp_path / "notes.txt").write_text("hello")
    toy = write_dataset(toy_dataset(), tmp_path / "toy.h5")
    write_yaml(
        make_config(
            library={"kind": "dataset", "path": str(toy)},
            instrument={"kind": "replay", "dataset": str(toy)},
        ),
        "replay.yaml",
    )
    assert main([a.format(tmp=tmp_path) for a in args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expect in err[0], err
