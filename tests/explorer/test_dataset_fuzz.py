"""Property-based fuzzing of library-dataset files (hypothesis): `explorer dataset inspect` and
`explorer replay` on a damaged .h5 / .npz.

A small valid dataset (the toy library: image, a loop channel with its axis, scalars with a
recorded std, ground truth) is written once through the writer API. Each example rebuilds its
tree of arrays and attributes, damages it (an array dropped, reshaped, cast to another dtype,
salted with NaN/inf or replaced by a pickled object array; an attribute dropped or replaced by
a hostile value; an unknown entry added), writes it raw (no validation) as HDF5 or .npz, and
then optionally damages the bytes (truncated, garbage overwritten or inserted, emptied, all
garbage). Each command must either succeed or exit 2 with one `error:` line naming the
problem, never a traceback or an internal error, and the input file must be unchanged (SHA-256
before/after).
"""

from __future__ import annotations

import copy
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardware.errors import DatasetError
from hardware.replay import is_library_dataset, read_dataset, write_dataset
from hardware.replay.io import ATTRS_MEMBER, to_tree
from tests.conftest import BASE_CONFIG
from tests.fuzzing import assert_one_line_errors, digest, hostile_values, run_cli
from tests.hardware.replay.helpers import toy_dataset
from tests.reliability_summary import record

SHORT = settings(max_examples=50, deadline=None, derandomize=True)
LONG = settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
N_POINTS = 3

Nodes = dict[str, np.ndarray]
Attrs = dict[str, dict[str, Any]]

BASE_NODES, BASE_ATTRS = to_tree(toy_dataset(nx=4, ny=3))


# ---- raw writers: whatever the tree holds, no validation ------------------------------------
def _h5_attr(obj: Any, key: str, value: Any) -> None:
    import h5py

    try:
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            obj.attrs[key] = np.asarray(value, dtype=h5py.string_dtype())
        elif isinstance(value, dict) or value is None:
            obj.attrs[key] = json.dumps(value)
        else:
            obj.attrs[key] = value
    except (TypeError, ValueError, OverflowError):
        text = str(value).replace("\x00", "\\0")  # HDF5 strings hold no NUL
        obj.attrs[key] = np.void(text.encode("utf-8", "surrogatepass"))  # opaque bytes


def _write_h5_raw(path: Path, nodes: Nodes, attrs: Attrs) -> None:
    import h5py

    with h5py.File(path, "w") as h:
        for key, arr in nodes.items():
            try:
                if arr.dtype.kind in "UO":
                    h.create_dataset(
                        key, data=arr.astype(str).astype(object), dtype=h5py.string_dtype()
                    )
                else:
                    h.create_dataset(key, data=arr)
            except (ValueError, TypeError):  # a name clash made by the damage: skip that node
                continue
        for key, values in attrs.items():
            obj = h if not key else h.get(key)
            if obj is None:
                continue
            for k, v in values.items():
                _h5_attr(obj, k, v)


def _write_npz_raw(path: Path, nodes: Nodes, attrs: Attrs) -> None:
    members: dict[str, Any] = dict(nodes)
    members[ATTRS_MEMBER] = np.asarray(json.dumps(attrs, allow_nan=True, default=str))
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **members)  # allow_pickle defaults to True: objects pickled


# ---- damage -----------------------------------------------------------------------------------
def _wrong_shape(draw: st.DrawFn, arr: np.ndarray) -> np.ndarray:
    how = draw(st.sampled_from(["transpose", "drop row", "drop col", "add dim", "0-d", "empty"]))
    if how == "transpose" and arr.ndim >= 2:
        return arr.T.copy()
    if how == "drop row" and arr.shape and arr.shape[0] > 0:
        return arr[:-1].copy()
    if how == "drop col" and arr.ndim >= 2:
        return arr[:, :-1].copy()
    if how == "0-d":
        return np.asarray(arr.ravel()[0] if arr.size else 0.0)
    if how == "empty":
        return arr[:0].copy()
    return arr[..., None].copy()


def _salted(draw: st.DrawFn, arr: np.ndarray) -> np.ndarray:
    if arr.size == 0 or arr.dtype.kind not in "fiu":
        return arr
    out = arr.astype(float).copy()
    flat = out.reshape(-1)
    for _ in range(draw(st.integers(1, 3))):
        flat[draw(st.integers(0, flat.size - 1))] = draw(
            st.sampled_from([np.nan, np.inf, -np.inf, 1e308, -1e308])
        )
    return out


def _recast(draw: st.DrawFn, arr: np.ndarray) -> np.ndarray:
    dtype = draw(st.sampled_from(["str", "complex", "bool", "int8", "float16", "uint64", "object"]))
    if dtype == "str":
        return arr.astype(str)
    if dtype == "object":
        return np.array([{"x": 1}, *arr.ravel()[:3]], dtype=object)
    with np.errstate(all="ignore"):
        try:
            return arr.astype(dtype)
        except (TypeError, ValueError):
            return arr.astype(str)


@st.composite
def damaged_tree(draw: st.DrawFn) -> tuple[list[str], Nodes, Attrs]:
    nodes = {k: v.copy() for k, v in BASE_NODES.items()}
    attrs = copy.deepcopy(BASE_ATTRS)
    done: list[str] = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(
            st.sampled_from(
                [
                    "drop array",
                    "wrong shape",
                    "nan/inf",
                    "dtype",
                    "drop attribute",
                    "attribute value",
                    "attribute value",
                    "unknown entry",
                ]
            )
        )
        done.append(kind)
        path = draw(st.sampled_from(sorted(nodes))) if nodes else None
        if kind == "unknown entry" or path is None:
            where = draw(st.sampled_from(["", "channels/", "scalars/", "channels/sspfm/"]))
            nodes[where + draw(st.sampled_from(["extra", "x.y", "9bad", "axes"]))] = np.zeros(3)
        elif kind == "drop array":
            del nodes[path]
        elif kind == "wrong shape":
            nodes[path] = _wrong_shape(draw, nodes[path])
        elif kind == "nan/inf":
            nodes[path] = _salted(draw, nodes[path])
        elif kind == "dtype":
            nodes[path] = _recast(draw, nodes[path])
        else:
            apath = draw(st.sampled_from(["", *sorted(attrs)]))  # the root twice as often
            if not attrs[apath]:
                continue
            key = draw(st.sampled_from(sorted(attrs[apath])))
            if kind == "drop attribute":
                del attrs[apath][key]
            else:
                attrs[apath][key] = draw(hostile_values)
    return done, nodes, attrs


@dataclass(frozen=True)
class Case:
    suffix: str
    kind: str
    data: bytes

    def __repr__(self) -> str:  # hypothesis prints failing cases; the bytes are not readable
        return f"Case({self.suffix!r}, {self.kind!r}, {len(self.data)} bytes)"


@st.composite
def damaged_file(draw: st.DrawFn) -> Case:
    """A damaged .h5 / .npz: which damage was done and the file content."""
    suffix = draw(st.sampled_from([".h5", ".npz"]))
    done, nodes, attrs = draw(damaged_tree())
    with tempfile.TemporaryDirectory(prefix="dataset-fuzz-") as tmp:
        path = Path(tmp) / f"d{suffix}"
        (_write_h5_raw if suffix == ".h5" else _write_npz_raw)(path, nodes, attrs)
        data = path.read_bytes()
    byte = draw(
        st.sampled_from(
            ["none", "none", "none", "truncate", "overwrite", "insert", "empty", "junk"]
        )
    )
    if byte == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif byte == "overwrite":
        at = draw(st.integers(0, len(data) - 1))
        junk = draw(st.binary(min_size=1, max_size=64))
        data = data[:at] + junk + data[at + len(junk) :]
    elif byte == "insert":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    elif byte == "empty":
        data = b""
    elif byte == "junk":
        data = draw(st.binary(min_size=1, max_size=2048))
    if byte != "none":
        done.append(f"bytes {byte}")
    return Case(suffix, "+".join(done) or "unchanged", data)


# ---- the commands -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def replay_campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A replay campaign over the valid toy file (the fuzzed file replaces it via --dataset)."""
    tmp = tmp_path_factory.mktemp("dataset-fuzz")
    good = write_dataset(toy_dataset(nx=4, ny=3), tmp / "toy.h5")
    cfg = copy.deepcopy(BASE_CONFIG)
    cfg["library"] = {"kind": "dataset", "path": str(good)}
    cfg["instrument"] = {"kind": "replay", "dataset": str(good)}
    cfg["stop"] = {"max_points": N_POINTS}
    cfg["output"] = {"dir": str(tmp / "runs"), "live_report": False}
    path = tmp / "campaign.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def _check(campaign: Path, case: Case, command: str) -> None:
    with tempfile.TemporaryDirectory(prefix="dataset-fuzz-") as tmp:
        path = Path(tmp) / f"fuzzed{case.suffix}"
        path.write_bytes(case.data)
        before = digest([path])
        if command == "inspect":
            argv = ["dataset", "inspect", str(path)]
        else:
            argv = ["replay", str(campaign), "--dataset", str(path), "-q"]
            argv += ["--out", str(Path(tmp) / "runs"), "--max-points", str(N_POINTS)]
        code, _, err = run_cli(argv)
        assert "internal error" not in err, (case, err)
        assert_one_line_errors(code, err)
        assert digest([path]) == before, f"{command} changed the dataset file"
    record("fuzz", f"dataset file ({command})")
    record("fuzz", f"dataset file: {'ok' if code == 0 else 'refused'} ({command})")


@SHORT
@given(case=damaged_file())
def test_damaged_datasets_inspect_or_fail_cleanly(replay_campaign: Path, case: Case) -> None:
    _check(replay_campaign, case, "inspect")


@settings(max_examples=12, deadline=None, derandomize=True)
@given(case=damaged_file())
def test_damaged_datasets_replay_or_fail_cleanly(replay_campaign: Path, case: Case) -> None:
    _check(replay_campaign, case, "replay")


@pytest.mark.reliability
@LONG
@given(case=damaged_file(), command=st.sampled_from(["inspect", "inspect", "replay"]))
def test_dataset_fuzz_long(replay_campaign: Path, case: Case, command: str) -> None:
    _check(replay_campaign, case, command)


# ---- the bugs the fuzzer found, pinned ---------------------------------------------------------
#: a 0xFF block at this offset of the toy .h5 hangs libhdf5 reading the root attribute
#: `citation` (a vlen string in a damaged global heap): not fixed, see the report
KNOWN_HDF5_HANG = 12288


@pytest.mark.parametrize(("suffix", "damage"), [(".h5", "truncate"), (".npz", "overwrite")])
def test_every_damaged_block_is_one_dataset_error(tmp_path: Path, suffix: str, damage: str) -> None:
    """Damage inside HDF5 metadata surfaced as KeyError / RuntimeError from h5py (an internal
    error at the CLI); a corrupt deflate stream in .npz as zlib.error. Sweep the file."""
    good = write_dataset(toy_dataset(nx=4, ny=3), tmp_path / f"good{suffix}").read_bytes()
    bad = tmp_path / f"bad{suffix}"
    refused = 0
    for at in range(0, len(good), max(1, len(good) // 150)):
        if damage == "truncate":
            bad.write_bytes(good[:at])
        else:
            bad.write_bytes(good[:at] + b"\xff" * 16 + good[at + 16 :])
        try:
            read_dataset(bad)
        except DatasetError as exc:
            assert "\n" not in str(exc) and str(bad) in str(exc)
            refused += 1
        is_library_dataset(bad)  # never raises
    assert refused > 0
    record("fuzz", f"dataset file: damaged-block sweep {suffix}", refused)


def _tree_file(tmp_path: Path, edit: Any, suffix: str = ".h5") -> Path:
    nodes = {k: v.copy() for k, v in BASE_NODES.items()}
    attrs = copy.deepcopy(BASE_ATTRS)
    edit(nodes, attrs)
    path = tmp_path / f"edited{suffix}"
    (_write_h5_raw if suffix == ".h5" else _write_npz_raw)(path, nodes, attrs)
    return path


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda n, a: a[""].update(format_version="one"), "'format_version' on '/' is 'one'"),
        (lambda n, a: a[""].update(timing='{"measure_s": "3 s"}'), "timing': 'measure_s' is"),
        (lambda n, a: a[""].update(name=b"\xff\xfe"), "'name' on '/' is not UTF-8"),
        (lambda n, a: n.update(features=n["features"].astype(complex)), "unsupported dtype"),
        (lambda n, a: n.update(positions_mm=n["positions_mm"].T.copy()), "positions_mm must be"),
    ],
)
def test_typical_damage_names_the_entry(tmp_path: Path, edit: Any, words: str) -> None:
    path = _tree_file(tmp_path, edit)
    before = digest([path])
    code, _, err = run_cli(["dataset", "inspect", str(path)])
    assert_one_line_errors(code, err, allow_ok=False)
    assert words in err, err
    assert digest([path]) == before


def test_npz_attrs_that_are_not_an_object_are_refused(tmp_path: Path) -> None:
    path = _tree_file(tmp_path, lambda n, a: a.update({"": ["not", "a", "dict"]}), ".npz")
    code, _, err = run_cli(["dataset", "inspect", str(path)])
    assert_one_line_errors(code, err, allow_ok=False)


def test_replay_of_a_dataset_without_the_objective_channel_fails_before_the_run(
    replay_campaign: Path, tmp_path: Path
) -> None:
    """Was: the run started and stopped with a fault (exit 3) at its first measurement."""

    def drop_channel(nodes: Nodes, attrs: Attrs) -> None:
        for key in [k for k in nodes if k.startswith("channels/")]:
            del nodes[key]

    path = _tree_file(tmp_path, drop_channel)
    out = tmp_path / "runs"
    code, _, err = run_cli(
        ["replay", str(replay_campaign), "--dataset", str(path), "--out", str(out)]
    )
    assert_one_line_errors(code, err, allow_ok=False)
    assert "objectives[0].from: channel 'sspfm' is not recorded in dataset 'toy'" in err, err
    assert not out.exists()
