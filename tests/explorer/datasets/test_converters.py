"""Every example dataset (shipped in campaigns/data or external) converts, validates,
round-trips through .h5 and .npz, and its arrays equal the source file's (an external one is
skipped with a reason when it is absent)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import scipy.io

from explorer.datasets import CONVERTERS, FORMAT_NAMES, detect_format, load_dataset
from explorer.errors import DatasetError
from hardware.replay import LibraryDataset, read_dataset, write_dataset
from hardware.replay.io import as_mapping
from tests.conftest import data_file, shared_data


def _round_trip(ds: LibraryDataset, tmp_path: Path) -> None:
    """convert -> write -> read -> compare every array and the provenance."""
    for suffix in (".h5", ".npz"):
        back = read_dataset(write_dataset(ds, tmp_path / f"ds{suffix}"))
        a, b = as_mapping(ds), as_mapping(back)
        assert a.keys() == b.keys()
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=f"{suffix} {key}")
        assert (back.name, back.license, dict(back.provenance)) == (
            ds.name,
            ds.license,
            dict(ds.provenance),
        )
        # the native file loads through the same entry point as an external one
        assert detect_format(tmp_path / f"ds{suffix}") == "native"


def test_pto_beps(tmp_path: Path) -> None:
    path = shared_data("pto-beps-50x50") / "BEPS_PTO_50x50.h5"
    assert detect_format(path) == "nsid_beps"
    ds = load_dataset(path)
    with h5py.File(path) as h:
        cube = h["Channel_000/generic/generic"][()]
        bias = h["Channel_000/generic/Voltage"][()]
    assert len(ds) == 2500 and ds.license.startswith("MIT")
    beps = ds.channels["beps"]
    np.testing.assert_array_equal(beps.axes["bias_v"].values, bias)
    raw = beps.data["piezoresponse_raw"].values
    ix, iy = 21, 38  # PROVENANCE's clean example loop (row 38, col 21 of the source)
    np.testing.assert_array_equal(raw[iy * 50 + ix], cube[ix, iy])
    np.testing.assert_array_equal(raw.reshape(50, 50, 64).transpose(1, 0, 2), cube)
    clean = beps.data["piezoresponse"].values
    spikes = np.abs(raw) > 1e-3
    assert 0.03 < spikes.mean() < 0.06  # PROVENANCE: ~4.5 % spikes
    np.testing.assert_array_equal(clean[~spikes], raw[~spikes])
    assert np.abs(clean).max() <= 1e-3
    np.testing.assert_array_equal(ds.scalars["despiked_points"].values, spikes.sum(axis=1))
    x_mm, y_mm = ds.positions_mm[iy * 50 + ix]
    assert np.isclose(x_mm, ix * 2e-3 / 49) and np.isclose(y_mm, iy * 2e-3 / 49)
    assert ds.image is not None and ds.image.shape == (50, 50, 1)
    np.testing.assert_allclose(ds.image.values[iy, ix, 0], np.abs(clean[iy * 50 + ix]).mean())
    _round_trip(ds, tmp_path)


def test_pto_beps_options(tmp_path: Path) -> None:
    path = shared_data("pto-beps-50x50") / "BEPS_PTO_50x50.h5"
    ds = load_dataset(path, "nsid_beps", {"despike": "false", "image": "slice", "slice_index": 5})
    assert set(ds.channels["beps"].data) == {"piezoresponse"} and not ds.scalars
    np.testing.assert_array_equal(
        ds.image.values[:, :, 0].ravel(),  # type: ignore[union-attr]
        ds.channels["beps"].data["piezoresponse"].values[:, 5],
    )
    with pytest.raises(DatasetError, match="has no option"):
        load_dataset(path, "nsid_beps", {"despike_all": True})
    with pytest.raises(DatasetError, match="not a valid bool"):
        load_dataset(path, "nsid_beps", {"despike": "maybe"})


def test_pto_sspfm_follows_the_curiosity_paper(tmp_path: Path) -> None:
    path = shared_data("pto-sspfm-curiosity") / "norm_polarization.npy"
    assert detect_format(path) == "npy_sspfm_cube"
    cube = np.load(path)
    ds = load_dataset(path)
    assert len(ds) == 49 * 49 and "internal" in ds.license
    assert ds.image is not None
    np.testing.assert_array_equal(ds.image.values[:, :, 0], cube[:, :, 25])
    spectra = ds.channels["sspfm"].data["polarization"].values
    np.testing.assert_array_equal(spectra.reshape(49, 49, 50), cube[:, :, 49:])
    np.testing.assert_array_equal(
        ds.channels["sspfm"].data["polarization_full"].values.reshape(49, 49, 99), cube
    )
    _round_trip(ds, tmp_path)


@pytest.mark.parametrize("name", ["PTO_Funakubo0001.h5", "PZT_final0001.h5", "PMN28Pt0000.h5"])
def test_pfm_images(tmp_path: Path, name: str) -> None:
    path = data_file("pfm-images-dtmicroscope", name)
    assert detect_format(path) == "nsid_pfm_images"
    ds = load_dataset(path, options={"stride": 8})
    with h5py.File(path) as h:
        amp = h["Measurement_000/Channel_1/Channel_1/Channel_1"][()].astype(float).T
    assert ds.license.startswith("MIT") and ds.name == name.removesuffix(".h5")
    assert len(ds) == 32 * 32
    img = ds.image
    assert img is not None and img.shape[:2] == (256, 256)
    k = img.channel_names.index("amplitude_retrace")
    np.testing.assert_array_equal(img.values[:, :, k], amp)
    row, col = divmod(int(ds.ids[37]), 256)
    assert ds.scalars["amplitude_retrace"].values[37] == amp[row, col]
    np.testing.assert_array_equal(
        ds.channels["tile"].data["amplitude_retrace"].values[37], amp[row : row + 8, col : col + 8]
    )
    assert ds.scalars["phase_retrace"].units == "deg"
    pr = ds.scalars["piezoresponse"].values
    phase = np.deg2rad(ds.scalars["phase_retrace"].values)
    np.testing.assert_allclose(pr, ds.scalars["amplitude_retrace"].values * np.cos(phase))
    np.testing.assert_allclose(img.pixel_to_stage(np.array([[row, col]]))[0], ds.positions_mm[37])
    _round_trip(ds, tmp_path)


def test_nist_ternary_layout(tmp_path: Path) -> None:
    path = shared_data("nist-combi-ternary") / "FeCoNi_benchmark_dataset_220501a.mat"
    assert detect_format(path) == "mat_ternary"
    m = scipy.io.loadmat(path)
    ds = load_dataset(path)
    assert len(ds) == 921 and ds.feature_names == ("Fe", "Co", "Ni")
    frac = m["C"] / m["C"].sum(axis=1, keepdims=True)
    np.testing.assert_allclose(ds.features, frac)
    np.testing.assert_array_equal(ds.channels["xrd"].data["intensity"].values, m["XRD"])
    np.testing.assert_array_equal(ds.channels["xrd"].axes["two_theta_deg"].values, m["TTH"].ravel())
    np.testing.assert_array_equal(ds.scalars["coercivity_mt"].values, m["Coer"].ravel())
    np.testing.assert_array_equal(ds.scalars["kerr_rotation_mrad"].values, m["Kerr"].ravel())
    # barycentric layout: a composition is recovered from its stage position
    side = 40.0
    corners = np.array([[0.0, 0.0], [side, 0.0], [side / 2, side * np.sqrt(3) / 2]])
    t = np.array([corners[0] - corners[2], corners[1] - corners[2]]).T
    lam = np.linalg.solve(t, (ds.positions_mm - corners[2]).T).T
    np.testing.assert_allclose(lam, frac[:, :2], atol=1e-12)
    _round_trip(ds, tmp_path)


def test_smbfo_digitized(tmp_path: Path) -> None:
    path = shared_data("smbfo-loop-height-digitized") / "smbfo_loop_height_digitized.csv"
    assert detect_format(path) == "csv_loop_height_profile"
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    ds = load_dataset(path)
    assert len(ds) == 20 and ds.feature_names == ("Sm",)
    np.testing.assert_allclose(ds.positions_mm[:, 0], table[:, 0] * 8.0)
    np.testing.assert_allclose(ds.features[:, 0], table[:, 0] * 0.2)
    np.testing.assert_array_equal(ds.scalars["loop_height"].values, table[:, 1])
    np.testing.assert_array_equal(ds.scalars["loop_height_std"].values, table[:, 2])
    assert ds.scalars["loop_height"].std == "loop_height_std"
    fine = load_dataset(path, options={"points": 101})
    assert len(fine) == 101
    np.testing.assert_allclose(fine.scalars["loop_height"].values[::5][[0, -1]], table[[0, -1], 1])
    assert fine.scalars["loop_height_std"].values.min() >= 0
    _round_trip(ds, tmp_path)


def test_unknown_file_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(DatasetError, match="no converter recognises it"):
        load_dataset(path)
    with pytest.raises(DatasetError, match="file not found"):
        load_dataset(tmp_path / "missing.h5")


def test_format_names_match_the_config_literal() -> None:
    from typing import get_args

    from explorer.config.replay import DatasetFormat

    assert set(get_args(DatasetFormat)) == set(FORMAT_NAMES)
    assert set(FORMAT_NAMES) == {"auto", "native", *CONVERTERS}


def test_pto_sspfm_refuses_a_cube_that_is_not_the_papers(tmp_path: Path) -> None:
    path = tmp_path / "other.npy"
    np.save(path, np.zeros((20, 20, 64)))
    assert detect_format(path) == "cube"  # the generic importer, not the paper's settings
    with pytest.raises(
        DatasetError, match=r"not the curiosity paper's \(49, 49, 99\).*--format cube"
    ):
        load_dataset(path, "npy_sspfm_cube")


def test_pto_sspfm_states_its_choices(tmp_path: Path) -> None:
    path = tmp_path / "paper-shaped.npy"
    rng = np.random.default_rng(0)
    np.save(path, rng.uniform(-0.5, 0.5, (49, 49, 99)))
    ds = load_dataset(path)
    prov = ds.provenance
    assert prov["points_kept"].startswith("50 of 99 (49..98)")
    assert prov["axis"] == "point index (the bias values were not stored)"
    assert prov["image"] == "slice 25 of the cube"
    assert str(prov["normalisation"]).startswith("none found")
    assert "none found" in ds.channels["sspfm"].description


def test_the_shipped_example_files_are_the_published_ones() -> None:
    """campaigns/data holds byte-identical copies (a reader that writes would be caught here)."""
    from explorer.datasets import pfm_images, pto_beps
    from explorer.datasets.common import sha256_of
    from tests.conftest import SHIPPED_DATA

    known = {k.name: k.sha256 for k in (*pto_beps.KNOWN, *pfm_images.KNOWN)}
    # phases-sim-25x25 is this project's own simulator output (tests/campaigns/test_phases_library.py)
    files = sorted(p for p in SHIPPED_DATA.glob("*/*.h5") if p.parent.name != "phases-sim-25x25")
    assert len(files) == 3
    for path in files:
        name = "pto-beps-50x50" if path.parent.name == "pto-beps-50x50" else path.stem
        assert sha256_of(path).startswith(known[name]), path
