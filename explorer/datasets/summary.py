"""A plain-text summary of a library dataset (`explorer dataset inspect`)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from hardware.replay import DataArray, LibraryDataset


def _range(values: np.ndarray) -> str:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return "all missing"
    text = f"{float(finite.min()):.4g} … {float(finite.max()):.4g}"
    missing = values.size - finite.size
    return text + (f" ({missing} missing)" if missing else "")


def _array_line(name: str, arr: DataArray) -> str:
    shape = "×".join(str(s) for s in arr.values.shape)
    axes = f" over {', '.join(arr.axes)}" if arr.axes else ""
    std = f", std in {arr.std}" if arr.std else ""
    return f"    {name:<24} ({shape}) [{arr.units}]{axes}, range {_range(arr.values)}{std}"


def _categories_line(arr: DataArray) -> str:
    codes = arr.values[np.isfinite(arr.values)].astype(int)
    counts = np.bincount(codes, minlength=len(arr.categories))
    parts = ", ".join(f"{c}: {int(k)}" for c, k in zip(arr.categories, counts, strict=True))
    return f"      {len(arr.categories)} categories (count): {parts}"


def _group_lines(arrays: Mapping[str, DataArray]) -> list[str]:
    lines = []
    for name, arr in arrays.items():
        lines.append(_array_line(name, arr))
        if arr.categories:
            lines.append(_categories_line(arr))
    return lines


def describe(ds: LibraryDataset, *, where: str = "", fmt: str = "") -> list[str]:
    """Lines describing every part of the dataset (shapes, units, ranges, provenance)."""
    pos = ds.positions_mm
    head = f"{where}  (format: {fmt})" if where else ds.name
    lines = [
        head,
        f"  name: {ds.name}",
        f"  source: {ds.source}",
        f"  license: {ds.license}",
    ]
    if ds.citation:
        lines.append(f"  citation: {ds.citation}")
    if ds.description:
        lines.append(f"  description: {ds.description}")
    lines += [
        f"  locations: {len(ds)} (ids {int(ds.ids.min())} … {int(ds.ids.max())}), "
        f"spacing {ds.spacing_mm():.4g} mm",
        f"  stage extent: x {_range(pos[:, 0])} mm, y {_range(pos[:, 1])} mm",
        "  features: "
        + ", ".join(
            f"{n} [{_range(ds.features[:, k])}]" for k, n in enumerate(ds.feature_names[:6])
        )
        + (f", … ({len(ds.feature_names)} in all)" if len(ds.feature_names) > 6 else ""),
    ]
    if ds.image is not None:
        h, w, c = ds.image.shape
        px = np.hypot(*ds.image.pixel_to_mm[:, 0])
        lines.append(
            f"  image: {h}×{w}×{c} ({', '.join(ds.image.channel_names)}), "
            f"pixel {px:.4g} mm, units {', '.join(ds.image.units)}"
        )
    for cname, ch in ds.channels.items():
        lines.append(f"  channel {cname} ({ch.kind}): {ch.description}".rstrip(": "))
        for aname, ax in ch.axes.items():
            lines.append(
                f"    axis {aname:<19} ({len(ax.values)}) [{ax.units}], {_range(ax.values)}"
            )
        lines += [_array_line(q, arr) for q, arr in ch.data.items()]
    if ds.scalars:
        lines.append("  scalars (Measurement.scalars; objectives `from: scalar`):")
        lines += _group_lines(ds.scalars)
    if ds.ground_truth:
        lines.append("  ground truth (never served to a campaign):")
        lines += _group_lines(ds.ground_truth)
    if ds.timing:
        lines.append("  replay timing: " + ", ".join(f"{k}={v:g}" for k, v in ds.timing.items()))
    if ds.provenance:
        lines.append("  provenance: " + ", ".join(f"{k}={v}" for k, v in ds.provenance.items()))
    return lines
