"""Reading and writing library datasets: HDF5 (h5py) or .npz (never pickled).

Both files hold the same tree of named arrays with attributes (layout table in docs/replay.md):

    /                        attrs format, format_version, name, source, license, description,
                             citation, timing (JSON), provenance (JSON)
    location_ids (n,)        int64
    positions_mm (n, 2)      float64
    features (n, d)          float64;  feature_names (d,) strings
    image (H, W, c)          optional; attrs pixel_to_mm (2, 3), channel_names (c,), units (c,)
    channels/<c>             group; attrs kind, description
    channels/<c>/<q>         (n, ...) attrs units, axes, description[, std][, categories]
    channels/<c>/axes/<a>    (L,) attrs units, description
    scalars/<s>              (n,) attrs units, description[, std][, categories]
    ground_truth/<g>         (n,) attrs units, description[, categories]

`categories` (strings) names the integer values 0..k-1 of a categorical array (a class label).

In .npz every array is a member named by its path and all attributes sit in one JSON string
member `__attrs__` ({path: {attr: value}}); it is read with `allow_pickle=False`.
Every defect is a one-line DatasetError naming the file, the entry and the fix.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hardware.errors import DatasetError
from hardware.replay.dataset import Axis, Channel, DataArray, DatasetImage, LibraryDataset

FORMAT_NAME = "combi-explorer/library-dataset"
FORMAT_VERSION = 1
ATTRS_MEMBER = "__attrs__"
H5_SUFFIXES = (".h5", ".hdf5")
TOP_LEVEL = {
    "location_ids",
    "positions_mm",
    "features",
    "feature_names",
    "image",
    "channels",
    "scalars",
    "ground_truth",
}

Nodes = dict[str, np.ndarray]
Attrs = dict[str, dict[str, Any]]


# ---- tree <-> dataset ----------------------------------------------------------------------
def _array_attrs(arr: DataArray) -> dict[str, Any]:
    out: dict[str, Any] = {"units": arr.units, "description": arr.description}
    if arr.axes:
        out["axes"] = list(arr.axes)
    if arr.std is not None:
        out["std"] = arr.std
    if arr.categories:
        out["categories"] = list(arr.categories)
    return out


def to_tree(ds: LibraryDataset) -> tuple[Nodes, Attrs]:
    """The dataset as {path: array} plus {path: attrs} (root attrs under "")."""
    nodes: Nodes = {
        "location_ids": np.asarray(ds.ids, np.int64),
        "positions_mm": ds.positions_mm,
        "features": ds.features,
        "feature_names": np.asarray(ds.feature_names, dtype=str),
    }
    attrs: Attrs = {
        "": {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "name": ds.name,
            "source": ds.source,
            "license": ds.license,
            "description": ds.description,
            "citation": ds.citation,
            "timing": json.dumps(dict(ds.timing)),
            "provenance": json.dumps(dict(ds.provenance)),
        },
        "positions_mm": {"units": "mm"},
    }
    if ds.image is not None:
        nodes["image"] = ds.image.values
        attrs["image"] = {
            "pixel_to_mm": ds.image.pixel_to_mm.tolist(),
            "channel_names": list(ds.image.channel_names),
            "units": list(ds.image.units),
        }
    for cname, ch in ds.channels.items():
        attrs[f"channels/{cname}"] = {"kind": ch.kind, "description": ch.description}
        for qname, arr in ch.data.items():
            nodes[f"channels/{cname}/{qname}"] = arr.values
            attrs[f"channels/{cname}/{qname}"] = _array_attrs(arr)
        for aname, ax in ch.axes.items():
            nodes[f"channels/{cname}/axes/{aname}"] = ax.values
            attrs[f"channels/{cname}/axes/{aname}"] = {
                "units": ax.units,
                "description": ax.description,
            }
    for group in ("scalars", "ground_truth"):
        for name, arr in getattr(ds, group).items():
            nodes[f"{group}/{name}"] = arr.values
            attrs[f"{group}/{name}"] = _array_attrs(arr)
    return nodes, attrs


class _Tree:
    """Read access to {path: array} + {path: attrs} with one-line errors naming the file."""

    def __init__(self, where: str, nodes: Nodes, attrs: Attrs) -> None:
        self.where, self.nodes, self.attrs = where, nodes, attrs

    def fail(self, msg: str) -> DatasetError:
        return DatasetError(f"{self.where}: {msg}")

    def array(self, path: str) -> np.ndarray:
        if path not in self.nodes:
            raise self.fail(
                f"missing array {path!r}; every library dataset has one (see docs/replay.md)"
            )
        return self.nodes[path]

    def attr(self, path: str, key: str, default: Any = ...) -> Any:
        value = self.attrs.get(path, {}).get(key, default)
        if value is ...:
            shown = path or "/"
            raise self.fail(f"attribute {key!r} missing on {shown!r}; add it (see docs/replay.md)")
        return value

    def _str(self, value: Any, path: str, key: str) -> str:
        # h5py hands non-UTF-8 bytes back as str with lone surrogates (surrogateescape)
        try:
            text = bytes(value).decode() if isinstance(value, bytes | np.bytes_) else str(value)
            text.encode("utf-8")
        except UnicodeError:
            shown = path or "/"
            raise self.fail(
                f"attribute {key!r} on {shown!r} is not UTF-8 text; store it as a string"
            ) from None
        return text

    def text(self, path: str, key: str, default: Any = ...) -> str:
        return self._str(self.attr(path, key, default), path, key)

    def strings(self, path: str, key: str) -> tuple[str, ...]:
        value = self.attr(path, key)
        items = [value] if isinstance(value, str | bytes) else list(np.asarray(value).ravel())
        return tuple(self._str(v, path, key) for v in items)

    def json(self, key: str) -> dict[str, Any]:
        raw = self.text("", key, "{}")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            raise self.fail(f"root attribute {key!r} is not valid JSON") from None
        if not isinstance(value, dict):
            raise self.fail(f"root attribute {key!r} must be a JSON object")
        return value

    def integer(self, path: str, key: str) -> int:
        value = self.attr(path, key)
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.item()
        if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
            shown = path or "/"
            raise self.fail(f"attribute {key!r} on {shown!r} is {value!r}; it must be an integer")
        return int(value)

    def timing(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for k, v in self.json("timing").items():
            if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
                raise self.fail(
                    f"root attribute 'timing': {k!r} is {v!r}; give durations in seconds "
                    "as finite numbers"
                )
            out[k] = float(v)
        return out

    def children(self, prefix: str) -> list[str]:
        names = {p[len(prefix) :].split("/")[0] for p in self.nodes if p.startswith(prefix)}
        return sorted(names)


def _data_array(t: _Tree, path: str) -> DataArray:
    axes = t.strings(path, "axes") if "axes" in t.attrs.get(path, {}) else ()
    std = t.attrs.get(path, {}).get("std")
    cats = t.strings(path, "categories") if "categories" in t.attrs.get(path, {}) else ()
    try:
        return DataArray(
            t.array(path),
            t.text(path, "units"),
            axes,
            t.text(path, "description", ""),
            None if std is None else t.text(path, "std"),
            cats,
        )
    except DatasetError as exc:
        raise t.fail(f"{path}: {exc}") from None


def _channels(t: _Tree) -> dict[str, Channel]:
    out: dict[str, Channel] = {}
    for cname in t.children("channels/"):
        base = f"channels/{cname}"
        data = {q: _data_array(t, f"{base}/{q}") for q in t.children(base + "/") if q != "axes"}
        axes: dict[str, Axis] = {}
        for aname in t.children(base + "/axes/"):
            path = f"{base}/axes/{aname}"
            try:
                axes[aname] = Axis(
                    t.array(path), t.text(path, "units"), t.text(path, "description", "")
                )
            except DatasetError as exc:
                raise t.fail(f"{path}: {exc}") from None
        kind = t.text(base, "kind", "spectrum")
        out[cname] = Channel(data, axes, kind, t.text(base, "description", ""))
    return out


def _image(t: _Tree) -> DatasetImage | None:
    if "image" not in t.nodes:
        return None
    try:
        return DatasetImage(
            t.array("image"),
            t.attr("image", "pixel_to_mm"),
            t.strings("image", "channel_names"),
            t.strings("image", "units"),
        )
    except DatasetError as exc:
        raise t.fail(f"image: {exc}") from None


def from_tree(where: str, nodes: Nodes, attrs: Attrs) -> LibraryDataset:
    """Validate a tree read from disk and build the dataset (DatasetError on any defect)."""
    t = _Tree(where, nodes, attrs)
    fmt = t.text("", "format", "")
    if fmt != FORMAT_NAME:
        raise t.fail(
            f"not a combi-explorer library dataset (root attribute format={fmt!r}); convert it "
            "with `explorer dataset convert`"
        )
    version = t.integer("", "format_version")
    if version != FORMAT_VERSION:
        raise t.fail(f"format_version {version} is not supported (this version reads 1)")
    unknown = sorted({p.split("/")[0] for p in nodes} - TOP_LEVEL)
    if unknown:
        raise t.fail(f"unknown top-level entries {unknown}; allowed: {sorted(TOP_LEVEL)}")
    try:
        return LibraryDataset(
            name=t.text("", "name"),
            source=t.text("", "source"),
            license=t.text("", "license"),
            positions_mm=t.array("positions_mm"),
            features=t.array("features"),
            feature_names=tuple(str(s) for s in t.array("feature_names").ravel()),
            location_ids=t.array("location_ids"),
            channels=_channels(t),
            scalars={s: _data_array(t, f"scalars/{s}") for s in t.children("scalars/")},
            ground_truth={
                g: _data_array(t, f"ground_truth/{g}") for g in t.children("ground_truth/")
            },
            image=_image(t),
            description=t.text("", "description", ""),
            citation=t.text("", "citation", ""),
            timing=t.timing(),
            provenance=t.json("provenance"),
        )
    except DatasetError as exc:
        msg = str(exc)
        raise (exc if msg.startswith(where) else t.fail(msg)) from None


# ---- HDF5 ------------------------------------------------------------------------------------
def _h5_attr_value(value: Any) -> Any:
    import h5py  # noqa: PLC0415

    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return np.asarray(value, dtype=h5py.string_dtype())
    if isinstance(value, list):
        return np.asarray(value, dtype=float)
    return value


def _write_h5(path: Path, nodes: Nodes, attrs: Attrs) -> None:
    import h5py  # noqa: PLC0415

    with h5py.File(path, "w") as h:
        for key, arr in nodes.items():
            if arr.dtype.kind == "U":
                h.create_dataset(key, data=arr.astype(object), dtype=h5py.string_dtype())
            else:
                h.create_dataset(key, data=arr, compression="gzip", compression_opts=4)
        for key, values in attrs.items():
            obj = h[key] if key else h
            for k, v in values.items():
                obj.attrs[k] = _h5_attr_value(v)


def _read_h5(path: Path) -> tuple[Nodes, Attrs]:
    import h5py  # noqa: PLC0415

    nodes: Nodes = {}
    attrs: Attrs = {}
    try:
        with h5py.File(path, "r") as h:
            attrs[""] = dict(h.attrs)

            def visit(name: str, obj: Any) -> None:
                attrs[name] = dict(obj.attrs)
                if isinstance(obj, h5py.Dataset):
                    nodes[name] = _h5_values(path, name, obj)

            h.visititems(visit)
    except DatasetError:
        raise
    except H5_READ_ERRORS as exc:
        # a damaged file surfaces from the HDF5 library as OSError, but also as KeyError
        # ("bad version number for datatype message"), RuntimeError ("Object visitation
        # failed") or ValueError, depending on which structure the damage hit
        raise DatasetError(
            f"{path}: cannot read HDF5 ({_first_line(exc)}); is it truncated or damaged? "
            "write it again (`explorer dataset convert` / `simulate`)"
        ) from None
    return nodes, attrs


#: what h5py raises for a damaged file (see `_read_h5`)
H5_READ_ERRORS = (OSError, KeyError, RuntimeError, ValueError, TypeError)


def _h5_values(path: Path, name: str, obj: Any) -> np.ndarray:
    kind = obj.dtype.kind
    if kind in ("O", "S") and obj.dtype.names is None:
        try:
            return np.asarray(obj.asstr()[()], dtype=str)
        except (UnicodeDecodeError, TypeError, ValueError):
            raise DatasetError(
                f"{path}: {name}: strings that are not UTF-8 text; store UTF-8 strings"
            ) from None
    if kind in "fiub":
        return np.asarray(obj[()])
    raise DatasetError(
        f"{path}: {name}: unsupported dtype {obj.dtype}; store float64 (or int64 / strings "
        "where docs/replay.md says)"
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().strip("'\"")
    return text.splitlines()[0][:200] if text else type(exc).__name__


# ---- NPZ -------------------------------------------------------------------------------------
def _write_npz(path: Path, nodes: Nodes, attrs: Attrs) -> None:
    members = dict(nodes)
    members[ATTRS_MEMBER] = np.asarray(json.dumps(attrs))
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **members)  # type: ignore[arg-type]


def _read_npz(path: Path) -> tuple[Nodes, Attrs]:
    try:
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as data:
            nodes = {k: data[k] for k in data.files}
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise DatasetError(
                f"{path}: refused to read a pickled member: object arrays are not allowed "
                "(allow_pickle=False); store numbers and strings only (write the file with "
                "`explorer dataset convert`)"
            ) from None
        raise DatasetError(
            f"{path}: cannot read .npz ({_first_line(exc)}); is it damaged? write it again"
        ) from None
    except NPZ_READ_ERRORS as exc:
        raise DatasetError(
            f"{path}: cannot read .npz ({_first_line(exc)}); is it truncated or damaged? "
            "write it again"
        ) from None
    raw = nodes.pop(ATTRS_MEMBER, None)
    if raw is None:
        raise DatasetError(
            f"{path}: no {ATTRS_MEMBER!r} member; not a combi-explorer library dataset "
            "(convert it with `explorer dataset convert`)"
        )
    try:
        attrs = json.loads(str(raw))
    except json.JSONDecodeError:
        raise DatasetError(f"{path}: {ATTRS_MEMBER} is not valid JSON") from None
    if not isinstance(attrs, dict) or not all(isinstance(v, dict) for v in attrs.values()):
        raise DatasetError(
            f"{path}: {ATTRS_MEMBER} must be a JSON object {{path: {{attribute: value}}}}"
        )
    return nodes, attrs


#: what reading a damaged .npz raises besides ValueError: a bad zip directory, a truncated
#: member, a corrupt deflate stream (zlib.error), a member whose .npy header lies
NPZ_READ_ERRORS = (
    OSError,
    zipfile.BadZipFile,
    EOFError,
    zlib.error,
    KeyError,
    TypeError,
    NotImplementedError,  # zipfile: "That compression method is not supported"
    RuntimeError,  # zipfile: "File ... is encrypted"
)


# ---- public ----------------------------------------------------------------------------------
def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in H5_SUFFIXES:
        return "h5"
    if suffix == ".npz":
        return "npz"
    raise DatasetError(f"{path}: unknown dataset file type {suffix!r}; use .h5, .hdf5 or .npz")


def write_dataset(ds: LibraryDataset, path: Path) -> Path:
    """Write `ds` to path (.h5/.hdf5 or .npz) atomically (temporary name, then rename)."""
    path = Path(path)
    kind = _kind(path)
    nodes, attrs = to_tree(ds)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}{path.suffix}")
    try:
        (_write_h5 if kind == "h5" else _write_npz)(tmp, nodes, attrs)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DatasetError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def read_dataset(path: Path) -> LibraryDataset:
    """Read and validate a library dataset (.h5/.hdf5 or .npz)."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: file not found")
    nodes, attrs = (_read_h5 if _kind(path) == "h5" else _read_npz)(path)
    return from_tree(str(path), nodes, attrs)


def is_library_dataset(path: Path) -> bool:
    """True if the file declares the library-dataset format (cheap: reads the root attrs).

    A file too damaged to tell is not one (the converters' detectors get their turn, and the
    caller's "no converter recognises it" names the file)."""
    try:
        kind = _kind(Path(path))
    except DatasetError:
        return False
    try:
        if kind == "h5":
            import h5py  # noqa: PLC0415

            with h5py.File(path, "r") as h:
                fmt = h.attrs.get("format", "")
        else:
            with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as data:
                if ATTRS_MEMBER not in data.files:
                    return False
                attrs = json.loads(str(data[ATTRS_MEMBER]))
                root = attrs.get("", {}) if isinstance(attrs, dict) else {}
                fmt = root.get("format", "") if isinstance(root, dict) else ""
    except (*H5_READ_ERRORS, *NPZ_READ_ERRORS):  # ValueError covers json.JSONDecodeError
        return False
    return (fmt.decode(errors="replace") if isinstance(fmt, bytes) else str(fmt)) == FORMAT_NAME


def as_mapping(ds: LibraryDataset) -> Mapping[str, np.ndarray]:
    """Every array of the dataset keyed by its path in the file (for comparisons, summaries)."""
    return to_tree(ds)[0]
