"""`from-run --nsid`: the run's spectra and scalars as NSID, read back by SciFiReaders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.cli import main
from hardware.replay import read_dataset
from tests.explorer.datasets.test_from_run import _finished_run

sr = pytest.importorskip("SciFiReaders", reason="optional extra [pycroscopy] not installed")


def test_a_run_written_as_nsid_reads_back_with_the_pycroscopy_reader(
    make_config, tmp_path: Path
) -> None:
    run_dir = _finished_run(make_config, tmp_path, points=4)
    lib, nsid = tmp_path / "s.h5", tmp_path / "s.nsid.h5"
    assert main(["dataset", "from-run", str(run_dir), str(lib), "--nsid", str(nsid)]) == 0
    ds = read_dataset(lib)
    back = {str(v.title).rsplit("/", 1)[-1]: v for v in sr.NSIDReader(str(nsid)).read().values()}
    pr = back["pr_off"]
    np.testing.assert_array_equal(np.asarray(pr), ds.channels["sspfm"].data["pr_off"].values)
    assert pr._axes[1].name == "bias_v" and str(pr._axes[1].units) == "V"
    np.testing.assert_array_equal(
        np.asarray(back["objective_loop_height"]), ds.scalars["objective_loop_height"].values
    )
    assert main(["dataset", "from-run", str(run_dir), str(lib), "--nsid", str(nsid)]) == 2  # exists
