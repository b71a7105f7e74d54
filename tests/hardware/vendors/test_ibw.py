"""write_ibw: waves written here read back through igor2 (the reader the Asylum bridge uses)
with their data, name, note and column labels; bad shapes are refused; no partial file stays."""

from __future__ import annotations

import numpy as np
import pytest
from igor2 import binarywave

from hardware.vendors.ibw import write_ibw


def test_a_2d_wave_reads_back_with_data_name_note_and_labels(tmp_path) -> None:
    data = np.arange(12, dtype=float).reshape(4, 3) * 0.5
    path = tmp_path / "loop.ibw"
    write_ibw(path, data, name="Loop01", note="Drive=1.5\nBias=8", column_labels=["a", "b", "c"])
    wave = binarywave.load(str(path))["wave"]
    np.testing.assert_array_equal(wave["wData"], data)
    assert wave["wave_header"]["bname"] == b"Loop01"
    assert wave["note"].decode() == "Drive=1.5\rBias=8"
    assert [lab.decode() for lab in wave["labels"][1] if lab] == ["a", "b", "c"]
    assert list(tmp_path.iterdir()) == [path]


def test_a_1d_wave_reads_back(tmp_path) -> None:
    path = tmp_path / "trace.ibw"
    write_ibw(path, np.linspace(-1.0, 1.0, 7))
    np.testing.assert_allclose(binarywave.load(str(path))["wave"]["wData"], np.linspace(-1, 1, 7))


def test_rewriting_replaces_the_whole_file(tmp_path) -> None:
    path = tmp_path / "w.ibw"
    write_ibw(path, np.ones(100))
    write_ibw(path, np.zeros(3))
    np.testing.assert_array_equal(binarywave.load(str(path))["wave"]["wData"], np.zeros(3))


def test_unsupported_shapes_and_label_counts_are_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="only 1-D and 2-D waves"):
        write_ibw(tmp_path / "cube.ibw", np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="one name per column"):
        write_ibw(tmp_path / "x.ibw", np.zeros((3, 2)), column_labels=["only"])
    assert list(tmp_path.iterdir()) == []
