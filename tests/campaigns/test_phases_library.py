"""The shipped simulated phase library (campaigns/data/phases-sim-25x25) is the file its README
describes, loads as a library dataset with its ground truth and image, and its benchmark
campaign validates as `explorer validate` runs it."""

from __future__ import annotations

import re

import numpy as np

from explorer.cli import main
from explorer.config import load_config
from explorer.datasets import load_dataset
from explorer.datasets.common import sha256_of
from explorer.engine.build import validate_deep
from tests.conftest import CAMPAIGNS, SHIPPED_DATA

FOLDER = SHIPPED_DATA / "phases-sim-25x25"
DATASET = FOLDER / "phases_library.h5"
CAMPAIGN = CAMPAIGNS / "benchmark" / "phases-rare-image.yaml"


def test_the_file_is_the_one_the_readme_describes() -> None:
    readme = (FOLDER / "README.md").read_text()
    digest = re.search(r"sha256 \| `([0-9a-f]{64})`", readme)
    size = re.search(r"size \| ([0-9,]+) bytes", readme)
    assert digest and size, "README states the sha256 and the size"
    assert sha256_of(DATASET) == digest.group(1)
    assert DATASET.stat().st_size == int(size.group(1).replace(",", "")) < 1_500_000
    assert (FOLDER / "LICENSE").read_text().startswith("MIT License")


def test_the_library_loads_with_its_classes_and_image() -> None:
    ds = load_dataset(DATASET)
    assert len(ds.ids) == 625
    classes = np.asarray(ds.ground_truth["phase_class"].values).astype(int)
    assert np.bincount(classes, minlength=5).tolist() == [179, 88, 166, 181, 11]
    assert ds.image is not None and ds.image.values.shape == (25, 25, 1)
    assert ds.image.channel_names == ("on_field_half_amplitude",)
    assert ds.channels["sspfm"].data["pr_on"].values.shape == (625, 128)


def test_its_benchmark_campaign_validates() -> None:
    assert main(["validate", str(CAMPAIGN)]) == 0
    library = validate_deep(load_config(CAMPAIGN))
    assert len(library) == 625 and len(library.feature_names) == 25  # 5 x 5 image patches
