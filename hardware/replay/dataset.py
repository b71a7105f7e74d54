"""Value types of a library dataset: every recorded location of a library, with its arrays.

A `LibraryDataset` is what a replayed campaign measures instead of a sample. Rows are locations
(n of them); everything per-location has n as its first dimension and row k belongs to
`location_ids[k]` at `positions_mm[k]`. Validation happens on construction, so a dataset that
exists is consistent: every violation is one `DatasetError` line naming the array and the fix.
The on-disk layout (HDF5 or .npz) is in `hardware.replay.io` and docs/replay.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from hardware.errors import DatasetError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: channel, quantity, axis, scalar and feature-free names: they become "<channel>.<quantity>"
#: keys of Measurement.arrays, so no dots or slashes.
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


def check_name(name: str, what: str) -> str:
    if not NAME_PATTERN.match(name):
        raise DatasetError(
            f"{what} name {name!r} is invalid; use letters, digits and '_' (start with a letter)"
        )
    return name


def _frozen_float(values: object, what: str, *, allow_nan: bool = False) -> FloatArray:
    """A read-only float64 copy; ±inf is always an error, NaN only where `allow_nan` (a
    missing point of a measured array, e.g. a failed SHO fit)."""
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DatasetError(f"{what}: values are not numeric") from None
    inf = int(np.count_nonzero(np.isinf(arr)))
    nan = 0 if allow_nan else int(np.count_nonzero(np.isnan(arr)))
    if inf or nan:
        kind = "NaN/inf" if not allow_nan else "infinite"
        raise DatasetError(
            f"{what}: {inf + nan} {kind} value(s); replace them or drop those locations before "
            "converting" + ("" if allow_nan else " (only measured arrays may hold NaN = missing)")
        )
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Axis:
    """A 1-D coordinate of a channel's trailing dimension (bias in V, frequency in Hz, ...)."""

    values: FloatArray
    units: str
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _frozen_float(self.values, "axis"))
        if self.values.ndim != 1 or len(self.values) == 0:
            raise DatasetError(f"axis must be 1-D and non-empty, got shape {self.values.shape}")


@dataclass(frozen=True, eq=False)
class DataArray:
    """Per-location values: shape (n,) for a scalar, (n, L, ...) for spectra/loops. NaN marks a
    missing point (a failed fit, an unmeasured step); infinities are refused.

    Attributes:
        values: the recorded values, first dimension = locations.
        units: physical units ("a.u.", "V", "mT", "1" for dimensionless).
        axes: names of the channel axes labelling dimensions 1.. (empty for scalars).
        description: free text (what was measured, how it was reduced).
        std: name of a sibling array with the per-location standard deviation of this one
            (repeat scatter), used by replay noise `recorded_std`.
        categories: for a categorical array (e.g. a ground-truth class label), the name of each
            integer value 0..len-1 (every value must be one of them); empty for numeric arrays.
    """

    values: FloatArray
    units: str
    axes: tuple[str, ...] = ()
    description: str = ""
    std: str | None = None
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _frozen_float(self.values, "array", allow_nan=True))
        object.__setattr__(self, "axes", tuple(self.axes))
        object.__setattr__(self, "categories", tuple(str(c) for c in self.categories))
        if self.categories:
            v = self.values
            if not np.all((v == np.round(v)) & (v >= 0) & (v < len(self.categories))):
                raise DatasetError(
                    f"a categorical array takes integer values 0..{len(self.categories) - 1} "
                    f"(one per category {list(self.categories)}); fix the labels or the categories"
                )
        if self.values.ndim < 1:
            raise DatasetError("per-location arrays need a first dimension of locations")
        if self.axes and len(self.axes) != self.values.ndim - 1:
            raise DatasetError(
                f"array of shape {self.values.shape} names {len(self.axes)} axes {self.axes}; "
                f"name one axis per trailing dimension ({self.values.ndim - 1})"
            )


@dataclass(frozen=True, eq=False)
class Channel:
    """A named group of per-location arrays sharing axes, e.g. "beps": piezoresponse(bias_v)."""

    data: Mapping[str, DataArray]
    axes: Mapping[str, Axis] = field(default_factory=dict)
    kind: str = "spectrum"  # descriptive: loop | spectrum | image_values | ...
    description: str = ""


@dataclass(frozen=True, eq=False)
class DatasetImage:
    """A structure image over the library, with its pixel -> stage transform.

    Attributes:
        values: (H, W, c) image (a 2-D input is stored with c = 1).
        pixel_to_mm: (2, 3) affine map, [x_mm, y_mm] = A @ [col, row, 1].
        channel_names: c names ("amplitude", "phase", ...).
        units: c units.
    """

    values: FloatArray
    pixel_to_mm: FloatArray
    channel_names: tuple[str, ...]
    units: tuple[str, ...]

    def __post_init__(self) -> None:
        v = _frozen_float(self.values, "image")
        if v.ndim == 2:
            v = v[:, :, None]
            v.setflags(write=False)
        if v.ndim != 3 or min(v.shape) == 0:
            raise DatasetError(f"image must be (H, W) or (H, W, c), got shape {v.shape}")
        object.__setattr__(self, "values", v)
        a = _frozen_float(self.pixel_to_mm, "image pixel_to_mm")
        if a.shape != (2, 3) or abs(np.linalg.det(a[:, :2])) < 1e-300:
            raise DatasetError(
                f"image pixel_to_mm must be an invertible (2, 3) affine matrix, got {a.tolist()}"
            )
        object.__setattr__(self, "pixel_to_mm", a)
        object.__setattr__(self, "channel_names", tuple(self.channel_names))
        object.__setattr__(self, "units", tuple(self.units))
        c = v.shape[2]
        if len(self.channel_names) != c or len(self.units) != c:
            raise DatasetError(
                f"image has {c} channel(s) but channel_names {self.channel_names} and units "
                f"{self.units}; give one name and unit per channel"
            )

    @property
    def shape(self) -> tuple[int, int, int]:
        h, w, c = self.values.shape
        return h, w, c

    def mm_to_pixel(self, xy_mm: FloatArray) -> FloatArray:
        """(m, 2) stage positions -> (m, 2) fractional (row, col) pixel coordinates."""
        a, t = self.pixel_to_mm[:, :2], self.pixel_to_mm[:, 2]
        colrow = np.linalg.solve(a, (np.asarray(xy_mm, float) - t).T).T
        return np.asarray(colrow[:, ::-1])

    def pixel_to_stage(self, rowcol: FloatArray) -> FloatArray:
        """(m, 2) (row, col) pixel coordinates -> (m, 2) stage positions in mm."""
        rc = np.asarray(rowcol, float)
        homog = np.column_stack([rc[:, 1], rc[:, 0], np.ones(len(rc))])
        return np.asarray(homog @ self.pixel_to_mm.T)


@dataclass(frozen=True, eq=False)
class LibraryDataset:
    """Every recorded location of one library (see module docstring).

    Attributes:
        name: short identifier (used in logs and run metadata).
        source: where the data came from (repository @ commit, path, instrument, or "simulated").
        license: license of the data ("MIT", "none stated: internal use only", ...).
        positions_mm: (n, 2) stage positions of the locations.
        features: (n, d) descriptors per location (composition fractions, positions, ...).
        feature_names: d names.
        location_ids: (n,) unique ids (default 0..n-1).
        channels: named per-location channels (spectra, loops) with axes.
        scalars: named (n,) per-location values served in Measurement.scalars.
        ground_truth: named (n,) noise-free values for scoring (never served to a campaign).
        image: optional structure image with its pixel -> mm transform.
        timing: suggested virtual durations for replay (ReplayTiming field names, seconds).
        provenance: small JSON-able facts (converter, options, source file sha256, ...).
    """

    name: str
    source: str
    license: str
    positions_mm: FloatArray
    features: FloatArray
    feature_names: tuple[str, ...]
    location_ids: IntArray | None = None
    channels: Mapping[str, Channel] = field(default_factory=dict)
    scalars: Mapping[str, DataArray] = field(default_factory=dict)
    ground_truth: Mapping[str, DataArray] = field(default_factory=dict)
    image: DatasetImage | None = None
    description: str = ""
    citation: str = ""
    timing: Mapping[str, float] = field(default_factory=dict)
    provenance: Mapping[str, str | float | int | bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for attr, what in (("name", "name"), ("source", "source"), ("license", "license")):
            if not str(getattr(self, attr)).strip():
                raise DatasetError(
                    f"dataset attribute {what!r} is empty; set it (see docs/replay.md)"
                )
        pos = _frozen_float(self.positions_mm, "positions_mm")
        n = pos.shape[0] if pos.ndim == 2 else -1
        if pos.ndim != 2 or pos.shape[1] != 2 or n == 0:
            raise DatasetError(f"positions_mm must be (n, 2) with n >= 1, got shape {pos.shape}")
        object.__setattr__(self, "positions_mm", pos)
        self._set_features(n)
        self._set_ids(n)
        for cname, ch in self.channels.items():
            _check_channel(cname, ch, n)
        for group in ("scalars", "ground_truth"):
            arrays: Mapping[str, DataArray] = getattr(self, group)
            for name, arr in arrays.items():
                check_name(name, group[:-1] if group == "scalars" else group)
                if arr.values.shape != (n,):
                    raise DatasetError(f"{group}/{name}: shape {arr.values.shape}, expected ({n},)")
            _check_std_refs(group, arrays)
        self._check_unique_positions()

    def _set_features(self, n: int) -> None:
        f = _frozen_float(self.features, "features")
        names = tuple(str(s) for s in self.feature_names)
        if f.ndim != 2 or f.shape[0] != n or f.shape[1] != len(names):
            raise DatasetError(
                f"features must be (n={n}, d={len(names)}) to match positions_mm and "
                f"feature_names, got shape {f.shape}"
            )
        if len(set(names)) != len(names):
            raise DatasetError(f"feature_names must be unique, got {names}")
        object.__setattr__(self, "features", f)
        object.__setattr__(self, "feature_names", names)

    def _set_ids(self, n: int) -> None:
        raw = np.arange(n) if self.location_ids is None else np.asarray(self.location_ids)
        if raw.shape != (n,) or not np.issubdtype(raw.dtype, np.integer):
            raise DatasetError(f"location_ids must be ({n},) integers, got {raw.shape} {raw.dtype}")
        ids = raw.astype(np.int64)
        if len(np.unique(ids)) != n or (n and ids.min() < 0):
            raise DatasetError("location_ids must be unique non-negative integers")
        ids.setflags(write=False)
        object.__setattr__(self, "location_ids", ids)

    def _check_unique_positions(self) -> None:
        rounded = np.round(self.positions_mm, 9)
        if len(np.unique(rounded, axis=0)) != len(rounded):
            raise DatasetError(
                "two locations share a stage position; replay could not tell them apart "
                "(merge or offset them before converting)"
            )

    @property
    def ids(self) -> IntArray:
        assert self.location_ids is not None
        return self.location_ids

    def __len__(self) -> int:
        return int(self.positions_mm.shape[0])

    def spacing_mm(self) -> float:
        """Median nearest-neighbour distance between locations (1.0 for a single location)."""
        if len(self) < 2:
            return 1.0
        from scipy.spatial import cKDTree  # noqa: PLC0415

        d = cKDTree(self.positions_mm).query(self.positions_mm, k=2)[0][:, 1]
        return float(np.median(d))


def _check_channel(cname: str, ch: Channel, n: int) -> None:
    check_name(cname, "channel")
    if not ch.data:
        raise DatasetError(f"channels/{cname}: has no data arrays; add one or drop the channel")
    for aname in ch.axes:
        check_name(aname, f"channels/{cname} axis")
        if aname in ch.data:
            raise DatasetError(f"channels/{cname}: {aname!r} is both an axis and a data array")
    for qname, arr in ch.data.items():
        where = f"channels/{cname}/{qname}"
        check_name(qname, f"channels/{cname} quantity")
        if arr.values.shape[0] != n:
            raise DatasetError(f"{where}: first dimension {arr.values.shape[0]} != {n} locations")
        for dim, aname in enumerate(arr.axes, start=1):
            if aname not in ch.axes:
                raise DatasetError(
                    f"{where}: names axis {aname!r} but channels/{cname}/axes has "
                    f"{sorted(ch.axes)}; add the axis array"
                )
            if len(ch.axes[aname].values) != arr.values.shape[dim]:
                raise DatasetError(
                    f"{where}: dimension {dim} has {arr.values.shape[dim]} points but axis "
                    f"{aname!r} has {len(ch.axes[aname].values)}"
                )
    _check_std_refs(f"channels/{cname}", ch.data)


def _check_std_refs(where: str, arrays: Mapping[str, DataArray]) -> None:
    for name, arr in arrays.items():
        if arr.std is None:
            continue
        ref = arrays.get(arr.std)
        if ref is None or ref.values.shape != arr.values.shape:
            raise DatasetError(
                f"{where}/{name}: std names {arr.std!r}, which is not a sibling array of the "
                "same shape"
            )
        if np.any(ref.values[~np.isnan(ref.values)] < 0):
            raise DatasetError(f"{where}/{arr.std}: standard deviations must be >= 0")
