"""LibraryDataset validation: a complete dataset is accepted and frozen; each kind of broken
dataset is refused with one message naming the part and the fix; image affine maps invert."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hardware.errors import DatasetError
from hardware.replay import Axis, Channel, DataArray, DatasetImage
from tests.hardware.replay.helpers import toy_dataset


def test_a_complete_dataset_is_accepted_and_read_only() -> None:
    ds = toy_dataset()
    assert len(ds) == 24 and ds.ids[0] == 100
    assert ds.spacing_mm() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="read-only"):
        ds.positions_mm[0, 0] = 9.0


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"license": " "}, "dataset attribute 'license' is empty"),
        ({"positions_mm": np.zeros((3, 3))}, "positions_mm must be (n, 2)"),
        ({"location_ids": np.zeros(24, dtype=int)}, "location_ids must be unique"),
        ({"feature_names": ("Sm", "Sm")}, "features must be (n=24, d=2)"),
        ({"scalars": {"h": DataArray(np.ones(5), "a.u.")}}, "scalars/h: shape (5,)"),
        ({"scalars": {"1h": DataArray(np.ones(24), "a.u.")}}, "scalar name '1h' is invalid"),
    ],
)
def test_broken_datasets_are_refused_with_the_part_named(change, needle) -> None:
    with pytest.raises(DatasetError) as info:
        dataclasses.replace(toy_dataset(), **change)
    assert needle in str(info.value)


def test_two_locations_at_one_position_are_refused() -> None:
    ds = toy_dataset()
    pos = np.array(ds.positions_mm)
    pos[1] = pos[0]
    with pytest.raises(DatasetError, match="two locations share a stage position"):
        dataclasses.replace(ds, positions_mm=pos)


def test_channel_axes_must_match_the_array_dimensions() -> None:
    ds = toy_dataset()
    loops = ds.channels["sspfm"].data["pr_off"].values
    bad = Channel(
        {"pr_off": DataArray(loops, "a.u.", ("bias_v",))}, {"bias_v": Axis(np.ones(5), "V")}
    )
    with pytest.raises(DatasetError, match="dimension 1 has 32 points but axis 'bias_v' has 5"):
        dataclasses.replace(ds, channels={"sspfm": bad})


def test_arrays_refuse_infinity_but_keep_missing_points() -> None:
    assert np.isnan(DataArray(np.array([1.0, np.nan]), "V").values[1])
    with pytest.raises(DatasetError, match="1 infinite value"):
        DataArray(np.array([1.0, np.inf]), "V")
    with pytest.raises(DatasetError, match="NaN/inf"):
        Axis(np.array([0.0, np.nan]), "V")
    with pytest.raises(DatasetError, match=r"integer values 0\.\.1"):
        DataArray(np.array([0.0, 2.0]), "1", categories=("a", "b"))


def test_std_must_name_a_sibling_of_the_same_shape() -> None:
    ds = toy_dataset()
    with pytest.raises(DatasetError, match="std names 'nope'"):
        dataclasses.replace(ds, scalars={"height": DataArray(np.ones(24), "a.u.", std="nope")})


def test_image_pixels_and_stage_positions_map_both_ways() -> None:
    img = DatasetImage(
        np.zeros((4, 6)), np.array([[0.5, 0.0, 1.0], [0.0, 0.25, -2.0]]), ("a",), ("1",)
    )
    assert img.shape == (4, 6, 1)
    rowcol = np.array([[0.0, 0.0], [3.0, 5.0]])
    xy = img.pixel_to_stage(rowcol)
    np.testing.assert_allclose(xy, [[1.0, -2.0], [3.5, -1.25]])
    np.testing.assert_allclose(img.mm_to_pixel(xy), rowcol)
    with pytest.raises(DatasetError, match="invertible"):
        DatasetImage(np.zeros((2, 2)), np.zeros((2, 3)), ("a",), ("1",))
