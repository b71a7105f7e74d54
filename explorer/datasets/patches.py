"""Image-patch features: each location's descriptor is the structure-image patch around it.

Locations are mapped to image pixels with the image's pixel_to_mm transform; a location must
sit on a pixel centre (within a quarter pixel). `edge="crop"` keeps only locations whose whole
patch lies inside the image (the curiosity paper's 41×41 candidates on a 49×49 image with 9×9
patches); `edge="reflect"` mirrors the image at its borders so every location keeps a patch.
Features are flattened channel-major: (channel, row offset, column offset).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from explorer.errors import DatasetError
from hardware.replay import LibraryDataset

FloatArray = NDArray[np.float64]


def location_pixels(ds: LibraryDataset) -> NDArray[np.int64]:
    """(n, 2) integer (row, col) image pixel of every location; DatasetError if off-pixel."""
    if ds.image is None:
        raise DatasetError(f"dataset {ds.name!r} has no image; image-patch features need one")
    frac = ds.image.mm_to_pixel(ds.positions_mm)
    rc = np.rint(frac).astype(np.int64)
    off = np.abs(frac - rc).max(axis=1)
    h, w, _ = ds.image.shape
    outside = (rc[:, 0] < 0) | (rc[:, 0] >= h) | (rc[:, 1] < 0) | (rc[:, 1] >= w)
    bad = np.flatnonzero((off > 0.25) | outside)
    if len(bad):
        k = int(bad[0])
        raise DatasetError(
            f"dataset {ds.name!r}: {len(bad)} location(s) are not on an image pixel (e.g. id "
            f"{int(ds.ids[k])} at pixel {frac[k].round(2).tolist()}); image-patch features need "
            "locations on the image grid"
        )
    return rc


def patch_features(
    ds: LibraryDataset,
    size: int,
    edge: str = "crop",
    channels: tuple[str, ...] | None = None,
) -> tuple[NDArray[np.bool_], FloatArray, tuple[str, ...]]:
    """(kept mask (n,), features (m, c·size²), names) for the image patch around each location.

    Args:
        ds: dataset with an image.
        size: odd patch side in pixels.
        edge: "crop" (drop locations whose patch leaves the image) or "reflect".
        channels: image channel names to use (default: all).
    """
    if size < 1 or size % 2 == 0:
        raise DatasetError(f"patch_size must be a positive odd number of pixels, got {size}")
    rc = location_pixels(ds)
    assert ds.image is not None
    names = ds.image.channel_names
    chosen = channels or names
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        raise DatasetError(
            f"image channel(s) {unknown} not in dataset image channels {list(names)}"
        )
    img = ds.image.values[:, :, [names.index(c) for c in chosen]]
    r = size // 2
    h, w, _ = img.shape
    if edge == "crop":
        keep = (rc[:, 0] >= r) & (rc[:, 0] < h - r) & (rc[:, 1] >= r) & (rc[:, 1] < w - r)
    elif edge == "reflect":
        if r >= min(h, w):
            raise DatasetError(f"patch_size {size} is too large for a {h}×{w} image")
        keep = np.ones(len(rc), dtype=bool)
    else:
        raise DatasetError(f"patch_edge {edge!r} is not 'crop' or 'reflect'")
    if not keep.any():
        raise DatasetError(
            f"no location keeps a whole {size}×{size} patch; use patch_edge: reflect"
        )
    padded = np.pad(img, ((r, r), (r, r), (0, 0)), mode="reflect") if r else img
    off = np.arange(size)
    rows = rc[keep, 0][:, None, None] + off[None, :, None]
    cols = rc[keep, 1][:, None, None] + off[None, None, :]
    patches = padded[rows, cols]  # (m, size, size, c)
    feats = patches.transpose(0, 3, 1, 2).reshape(int(keep.sum()), -1)
    labels = tuple(
        f"{c}[{dr:+d},{dc:+d}]"
        for c in chosen
        for dr in range(-r, r + 1)
        for dc in range(-r, r + 1)
    )
    return keep, np.ascontiguousarray(feats, dtype=float), labels
