"""Library-dataset format: round trips through HDF5 and .npz, and one-line validation errors."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from hardware.errors import DatasetError
from hardware.replay import read_dataset, write_dataset
from hardware.replay.io import ATTRS_MEMBER, as_mapping, is_library_dataset
from tests.hardware.replay.helpers import toy_dataset


@pytest.mark.parametrize("suffix", [".h5", ".npz"])
def test_round_trip_keeps_every_array_and_attribute(tmp_path: Path, suffix: str) -> None:
    ds = toy_dataset()
    path = write_dataset(ds, tmp_path / f"toy{suffix}")
    assert is_library_dataset(path)
    back = read_dataset(path)
    a, b = as_mapping(ds), as_mapping(back)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert (back.name, back.source, back.license, back.description) == (
        ds.name,
        ds.source,
        ds.license,
        ds.description,
    )
    assert dict(back.timing) == dict(ds.timing) and dict(back.provenance) == dict(ds.provenance)
    assert back.channels["sspfm"].data["pr_off"].axes == ("bias_v",)
    assert back.channels["sspfm"].axes["bias_v"].units == "V"
    assert back.channels["sspfm"].kind == "loop"
    assert back.scalars["height"].std == "height_std"
    assert back.image is not None and back.image.channel_names == ("amplitude",)
    np.testing.assert_array_equal(back.image.pixel_to_mm, ds.image.pixel_to_mm)  # type: ignore[union-attr]
    assert back.ids.tolist() == list(range(100, 124))


def test_image_pixel_transform_round_trips() -> None:
    img = toy_dataset(pitch_mm=0.25).image
    assert img is not None
    rc = np.array([[0.0, 0.0], [3.0, 5.0]])
    np.testing.assert_allclose(img.pixel_to_stage(rc), [[0.0, 0.0], [1.25, 0.75]])
    np.testing.assert_allclose(img.mm_to_pixel(img.pixel_to_stage(rc)), rc)


def _corrupt_h5(path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    with h5py.File(path, "r+") as h:
        edit(h)


@pytest.mark.parametrize(
    ("edit", "expect"),
    [
        (lambda h: h.attrs.__delitem__("license"), "attribute 'license' missing"),
        (lambda h: h.attrs.__setitem__("format", "something-else"), "not a combi-explorer"),
        (lambda h: h.attrs.__setitem__("format_version", 7), "format_version 7"),
        (lambda h: h["channels/sspfm/pr_off"].attrs.__delitem__("units"), "'units' missing"),
        (lambda h: h.__delitem__("positions_mm"), "missing array 'positions_mm'"),
        (lambda h: h.create_dataset("extra", data=[1.0]), "unknown top-level entries"),
        (lambda h: h.__delitem__("channels/sspfm/axes/bias_v"), "names axis 'bias_v'"),
        (lambda h: h["features"].__setitem__((3, 0), np.nan), "features: 1 NaN/inf"),
        (lambda h: h["channels/sspfm/pr_off"].__setitem__((0, 0), np.inf), "1 infinite"),
        (lambda h: h["positions_mm"].__setitem__(1, h["positions_mm"][0]), "share a stage"),
        (lambda h: h["image"].attrs.__setitem__("pixel_to_mm", np.zeros((2, 3))), "invertible"),
        (lambda h: h["scalars/height"].attrs.__setitem__("std", "nope"), "not a sibling"),
    ],
)
def test_invalid_h5_is_one_line_dataset_error(tmp_path: Path, edit, expect: str) -> None:  # type: ignore[no-untyped-def]
    path = write_dataset(toy_dataset(), tmp_path / "toy.h5")
    _corrupt_h5(path, edit)
    with pytest.raises(DatasetError) as info:
        read_dataset(path)
    msg = str(info.value)
    assert expect in msg and "\n" not in msg and str(path) in msg


def test_shape_mismatch_between_data_and_axis(tmp_path: Path) -> None:
    path = write_dataset(toy_dataset(), tmp_path / "toy.h5")

    def shrink(h: h5py.File) -> None:
        data = h["channels/sspfm/axes/bias_v"][()]
        del h["channels/sspfm/axes/bias_v"]
        h.create_dataset("channels/sspfm/axes/bias_v", data=data[:-1]).attrs["units"] = "V"

    _corrupt_h5(path, shrink)
    with pytest.raises(DatasetError, match="has 32 points but axis 'bias_v' has 31"):
        read_dataset(path)


def test_truncated_files_are_dataset_errors(tmp_path: Path) -> None:
    for suffix in (".h5", ".npz"):
        path = write_dataset(toy_dataset(), tmp_path / f"toy{suffix}")
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        with pytest.raises(DatasetError, match="truncated"):
            read_dataset(path)
        assert not is_library_dataset(path)


def test_npz_never_unpickles(tmp_path: Path) -> None:
    path = write_dataset(toy_dataset(), tmp_path / "toy.npz")
    with np.load(path, allow_pickle=False) as data:
        members = {k: data[k] for k in data.files}
    members["features"] = np.array([object()] * 3, dtype=object)
    evil = tmp_path / "evil.npz"
    np.savez(evil, **members)  # type: ignore[arg-type]
    with pytest.raises(DatasetError, match="object arrays are not allowed"):
        read_dataset(evil)


def test_npz_without_attrs_member_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "plain.npz"
    np.savez(path, positions_mm=np.zeros((2, 2)))
    with pytest.raises(DatasetError, match=f"no '{ATTRS_MEMBER}' member"):
        read_dataset(path)


def test_npz_attrs_are_json(tmp_path: Path) -> None:
    path = write_dataset(toy_dataset(), tmp_path / "toy.npz")
    with np.load(path, allow_pickle=False) as data:
        attrs = json.loads(str(data[ATTRS_MEMBER]))
    assert attrs[""]["format"] == "combi-explorer/library-dataset"
    assert attrs["channels/sspfm/pr_off"]["axes"] == ["bias_v"]


@pytest.mark.parametrize(
    ("path", "expect"),
    [("missing.h5", "file not found"), ("table.csv", "unknown dataset file type")],
)
def test_unreadable_paths(tmp_path: Path, path: str, expect: str) -> None:
    (tmp_path / "table.csv").write_text("a,b\n")
    with pytest.raises(DatasetError, match=expect):
        read_dataset(tmp_path / path)


def test_bad_names_and_shapes_in_memory() -> None:
    import dataclasses

    ds = toy_dataset()
    with pytest.raises(DatasetError, match=r"channel name 'bad\.name'"):
        dataclasses.replace(ds, channels={"bad.name": ds.channels["sspfm"]})
    with pytest.raises(DatasetError, match="location_ids must be unique"):
        dataclasses.replace(ds, location_ids=np.zeros(len(ds), dtype=np.int64))
    with pytest.raises(DatasetError, match="features must be"):
        dataclasses.replace(ds, feature_names=("a", "b"))
    with pytest.raises(DatasetError, match="'license' is empty"):
        dataclasses.replace(ds, license=" ")
