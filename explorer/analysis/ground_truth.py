"""Classes found by a replayed run, scored from its dataset's ground truth: the label of every
measured location, read from the dataset the run replayed (`ground_truth/<name>`, or a served
scalar of that name), never from anything the run logged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.metrics import classes_discovered
from explorer.analysis.rundata import RunData
from explorer.datasets import load_dataset
from explorer.errors import InputFileError


def dataset_labels(run: RunData, name: str) -> dict[int, int]:
    """location id -> integer class of label `name` in the dataset the run replayed."""
    inst = run.config.get("instrument", {}) or {}
    if inst.get("kind") != "replay":
        raise InputFileError(
            f"{run.run_dir}: --classes {name} scores replayed runs from their dataset's ground "
            f"truth, but this run's instrument is {inst.get('kind')!r}; use --classes-scalar "
            "for a class scalar the run logged"
        )
    path = Path(str(inst["dataset"]))
    ds = load_dataset(path, str(inst.get("format", "auto")), inst.get("format_options") or {})
    arr = ds.ground_truth.get(name) or ds.scalars.get(name)
    if arr is None:
        raise InputFileError(
            f"{path}: the dataset has no label {name!r} (ground truth {sorted(ds.ground_truth)}, "
            f"scalars {sorted(ds.scalars)}); pick one with --classes"
        )
    values = np.asarray(arr.values, dtype=float)
    labels = np.where(np.isfinite(values), values, -1).astype(np.int64)
    return {int(i): int(v) for i, v in zip(ds.ids, labels, strict=True)}


def classes_found_from_dataset(run: RunData, name: str) -> NDArray[np.float64]:
    """Distinct true classes among the locations measured so far, after each measurement."""
    truth = dataset_labels(run, name)
    seq = [truth.get(int(i), -1) for i in run.location_ids]
    return np.asarray(classes_discovered(seq), dtype=float)
