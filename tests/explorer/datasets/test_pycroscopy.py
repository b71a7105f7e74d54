"""`--format nsid` / `--format scifi`: NSID and vendor files through the pycroscopy readers
(optional extra: these tests skip with the reason when SciFiReaders is not installed)."""

from __future__ import annotations

import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest

from explorer.datasets import load_dataset
from explorer.datasets.common import sha256_of
from explorer.errors import DatasetError
from tests.conftest import shared_data
from tests.explorer.datasets.replay_support import replay_runs

pytest.importorskip(
    "SciFiReaders", reason="optional extra [pycroscopy] (SciFiReaders) not installed"
)


def test_nsid_spectral_image_matches_the_beps_converter(make_config, tmp_path: Path) -> None:
    path = shared_data("pto-beps-50x50") / "BEPS_PTO_50x50.h5"
    before = sha256_of(path)
    ds = load_dataset(path, "nsid")
    assert sha256_of(path) == before  # NSIDReader opens files for writing: it reads a copy
    reference = load_dataset(path, "nsid_beps", {"despike": False})
    np.testing.assert_array_equal(
        ds.channels["spectra"].data["Piezoresponse"].values,
        reference.channels["beps"].data["piezoresponse"].values,
    )
    np.testing.assert_allclose(ds.positions_mm, reference.positions_mm)
    axis = ds.channels["spectra"].axes["Voltage"]
    assert axis.units == "V" and len(axis.values) == 64
    assert ds.provenance["reader"] == "NSIDReader"
    assert "mean |value|" in str(ds.provenance["image"])


def test_nsid_images_of_an_asylum_frame(tmp_path: Path) -> None:
    path = shared_data("pfm-images-dtmicroscope") / "PTO_Funakubo0001.h5"
    ds = load_dataset(path, "nsid", {"stride": 32})
    assert len(ds) == 64 and ds.image is not None
    assert ds.image.channel_names == (
        "HeightRetrace",
        "AmplitudeRetrace",
        "DeflectionRetrace",
        "PhaseRetrace",
    )
    with h5py.File(path) as h:
        amp = h["Measurement_000/Channel_1/Channel_1/Channel_1"][()].T
    row, col = divmod(int(ds.ids[9]), 256)
    assert ds.scalars["AmplitudeRetrace"].values[9] == pytest.approx(float(amp[row, col]))


def test_an_nsid_file_of_another_shape_is_found_and_replays(make_config, tmp_path: Path) -> None:
    """A (12, 8, 30) spectral image written by pyNSID itself: auto-detected, any shape."""
    import pyNSID
    import sidpy

    rng = np.random.default_rng(0)
    data = sidpy.Dataset.from_array(rng.normal(size=(12, 8, 30)), title="scan")
    data.data_type, data.quantity, data.units = "SPECTRAL_IMAGE", "Current", "nA"
    data.set_dimension(
        0,
        sidpy.Dimension(
            np.arange(12) * 5e-9, "x", units="m", quantity="x", dimension_type="spatial"
        ),
    )
    data.set_dimension(
        1,
        sidpy.Dimension(
            np.arange(8) * 5e-9, "y", units="m", quantity="y", dimension_type="spatial"
        ),
    )
    data.set_dimension(
        2,
        sidpy.Dimension(
            np.linspace(-1, 1, 30), "bias", units="V", quantity="Bias", dimension_type="spectral"
        ),
    )
    path = tmp_path / "sts.h5"
    with h5py.File(path, "w") as h, warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # pyNSID's own deprecation notice
        pyNSID.hdf_io.write_nsid_dataset(
            data, h.create_group("Measurement_000/Channel_000"), main_data_name="scan"
        )
    ds = load_dataset(path)
    assert ds.provenance["converter"] == "nsid" and len(ds) == 96
    np.testing.assert_allclose(
        ds.channels["spectra"].data["Current"].values[8 * 0 + 3], np.asarray(data)[3, 0]
    )
    run = replay_runs(
        make_config,
        path,
        {"name": "i", "from": "spectra", "quantity": "Current", "metric": "max"},
        tmp_path,
    )
    assert len(run.measured) == 5


def test_scifi_without_a_reader_for_the_suffix(tmp_path: Path) -> None:
    path = tmp_path / "scan.xyz"
    path.write_text("1 2 3\n")
    with pytest.raises(DatasetError, match=r"no SciFiReaders reader for '\.xyz'; set reader=NAME"):
        load_dataset(path, "scifi")
