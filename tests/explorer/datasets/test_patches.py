"""Image-patch features: geometry, crop vs reflect, channel choice, off-grid locations."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from explorer.datasets.patches import location_pixels, patch_features
from explorer.errors import DatasetError
from hardware.replay import DatasetImage
from tests.hardware.replay.helpers import toy_dataset


def test_patch_is_the_image_around_the_location() -> None:
    ds = toy_dataset(nx=7, ny=6)
    keep, feats, names = patch_features(ds, 3, "crop")
    assert keep.sum() == 5 * 4
    rows = np.flatnonzero(keep)
    img = ds.image.values[:, :, 0]  # type: ignore[union-attr]
    rc = location_pixels(ds)
    k = 7
    r, c = rc[rows[k]]
    np.testing.assert_array_equal(feats[k].reshape(3, 3), img[r - 1 : r + 2, c - 1 : c + 2])
    assert names[4] == "amplitude[+0,+0]" and len(names) == 9


def test_reflect_keeps_every_location() -> None:
    ds = toy_dataset(nx=7, ny=6)
    keep, feats, _ = patch_features(ds, 5, "reflect")
    assert keep.all() and feats.shape == (42, 25)
    img = ds.image.values[:, :, 0]  # type: ignore[union-attr]
    assert feats[0].reshape(5, 5)[2, 2] == img[0, 0]
    assert feats[0].reshape(5, 5)[2, 0] == img[0, 2]  # mirrored


def test_multichannel_is_channel_major_and_selectable() -> None:
    ds = toy_dataset(nx=5, ny=5)
    img = ds.image
    assert img is not None
    two = DatasetImage(
        np.concatenate([img.values, -img.values], axis=2), img.pixel_to_mm, ("a", "b"), ("1", "1")
    )
    ds2 = dataclasses.replace(ds, image=two)
    _, feats, names = patch_features(ds2, 3, "crop")
    assert feats.shape[1] == 18 and names[9].startswith("b[")
    np.testing.assert_array_equal(feats[:, :9], -feats[:, 9:])
    _, only_b, _ = patch_features(ds2, 3, "crop", ("b",))
    np.testing.assert_array_equal(only_b, feats[:, 9:])
    with pytest.raises(DatasetError, match="not in dataset image channels"):
        patch_features(ds2, 3, "crop", ("c",))


def test_bad_requests() -> None:
    ds = toy_dataset(nx=5, ny=4)
    with pytest.raises(DatasetError, match="odd"):
        patch_features(ds, 4)
    with pytest.raises(DatasetError, match="no location keeps"):
        patch_features(ds, 5, "crop")
    moved = dataclasses.replace(ds, positions_mm=ds.positions_mm + 0.2)  # off the pixel grid
    with pytest.raises(DatasetError, match="not on an image pixel"):
        patch_features(moved, 3)
    with pytest.raises(DatasetError, match="has no image"):
        patch_features(dataclasses.replace(ds, image=None), 3)
