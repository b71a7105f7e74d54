"""Replay sections of the YAML: `library: {kind: dataset}` and `instrument: {kind: replay}`.

Dataset paths: an absolute path is used as is. A relative path is resolved when the campaign
file is loaded, first against the folder that holds the campaign file, then against the current
directory; the resolved absolute path is what the run's config.yaml records, so a resumed run
finds the same file from anywhere. The file's sha256 is pinned into the config at that moment
(unless the YAML gives one); a resumed run refuses a file whose contents changed.

A path may start with `${VARIABLE}` (campaigns/external/ use `${COMBI_EXTERNAL_DATA}`): the
folder of data that is not shipped with the repository because it may not be redistributed.
An unset variable is one error line saying which variable to set and why.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator, model_validator

from explorer.config.paths import portable_path
from explorer.config.strict_base import XY, NonNegFloat, PositiveFloat, Strict
from explorer.datasets import load_dataset
from explorer.datasets.patches import patch_features
from explorer.datasets.paths import check_dataset_path
from explorer.errors import ConfigError, DatasetError
from explorer.library import CandidateSet
from hardware.assembly.replay import assemble_replay
from hardware.assembly.specs import InstrumentBuild, ReplayInstrumentSpec
from hardware.protocols import Instrument
from hardware.replay import LibraryDataset, ReplayTiming

if TYPE_CHECKING:
    from explorer.library import CandidateSet

#: must equal explorer.datasets.FORMAT_NAMES (checked by tests; kept literal so the schema does
#: not import the converters)
DatasetFormat = Literal[
    "auto",
    "native",
    "nsid_beps",
    "npy_sspfm_cube",
    "nsid_pfm_images",
    "mat_ternary",
    "csv_loop_height_profile",
    "table",
    "cube",
    "matrix",
    "ibw",
    "nsid",
    "scifi",
]
OptionScalar = str | int | float | bool
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


EXTERNAL_DATA_ENV = "COMBI_EXTERNAL_DATA"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_variables(text: str) -> str:
    """`${NAME}` replaced by the environment variable; ValueError naming it when unset."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        got = os.environ.get(name, "")
        if not got:
            raise ValueError(
                f"{text!r} needs the environment variable {name}, which is not set: this data is "
                f"not shipped with the repository (it may not be redistributed); set {name} to "
                "the folder that holds it (docs/datasets.md, external data)"
            )
        return got

    return _VARIABLE.sub(value, text)


def resolve_dataset_path(value: Any, info: ValidationInfo) -> Path:
    """Absolute path of a dataset file (see module docstring); ValueError if not found."""
    path = portable_path(expand_variables(str(value))).expanduser()
    if path.is_absolute():
        tried = [path]
    else:
        base = (info.context or {}).get("base_dir")
        tried = ([Path(base) / path] if base is not None else []) + [Path.cwd() / path]
    for p in tried:
        if p.is_file():
            return p.resolve()
        if p.exists():  # a directory, FIFO or device: say so rather than "not found"
            try:
                check_dataset_path(p)
            except DatasetError as exc:
                raise ValueError(str(exc)) from None
    raise ValueError(
        f"dataset file {str(value)!r} not found (looked at {', '.join(map(str, tried))}); "
        "relative paths resolve against the campaign file's folder, then the current directory"
    )


@lru_cache(maxsize=32)
def _sha256(path: str, mtime_ns: int, size: int) -> str:
    del mtime_ns, size
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    st = path.stat()
    return _sha256(str(path), st.st_mtime_ns, st.st_size)


def _pin_sha256(model: Any, path: Path) -> None:
    """Set the (frozen) model's `sha256` to the file's hash if unset; ValueError if a given
    hash differs (the file changed since the config was resolved)."""
    digest = file_sha256(path)
    if model.sha256 is None:
        object.__setattr__(model, "sha256", digest)
    elif model.sha256 != digest:
        raise ValueError(
            f"the dataset file {path} has changed (sha256 {digest[:12]}… but the config pins "
            f"{model.sha256[:12]}…); restore the original file or start a new run"
        )


class _DatasetSource(Strict):
    """How a dataset file is read: its format (auto-detected) and the converter's options."""

    format: DatasetFormat = "auto"
    format_options: dict[str, OptionScalar] = Field(default_factory=dict)
    sha256: Sha256 | None = None

    def _load(self, path: Path) -> LibraryDataset:
        return load_dataset(path, self.format, self.format_options)


class DatasetLibrary(_DatasetSource):
    """The library is the dataset's recorded locations (ids, stage positions).

    `features` chooses the model inputs: the dataset's own features (`dataset`, e.g.
    compositions), the stage position (`position`), or the structure-image patch around each
    location (`image_patch`, `patch_size` pixels square, `patch_edge` crop | reflect,
    `image_channels` to choose image channels; see explorer.datasets.patches).
    """

    kind: Literal["dataset"]
    path: Path
    features: Literal["dataset", "position", "image_patch"] = "dataset"
    patch_size: Annotated[int, Field(ge=1, le=63)] = 9
    patch_edge: Literal["crop", "reflect"] = "crop"
    image_channels: list[str] | None = None

    _path = field_validator("path", mode="before")(resolve_dataset_path)

    @field_validator("patch_size")
    @classmethod
    def _odd(cls, v: int) -> int:
        if v % 2 == 0:
            raise ValueError(f"patch_size must be odd (a patch centred on the location), got {v}")
        return v

    @model_validator(mode="after")
    def _pin(self) -> DatasetLibrary:
        _pin_sha256(self, self.path)
        return self

    def build(self) -> CandidateSet:
        ds = self._load(self.path)
        keep = slice(None)
        if self.features == "image_patch":
            channels = tuple(self.image_channels) if self.image_channels else None
            mask, feats, names = patch_features(ds, self.patch_size, self.patch_edge, channels)
            keep = mask  # type: ignore[assignment]
        elif self.features == "position":
            feats, names = ds.positions_mm.copy(), ("x_mm", "y_mm")
        else:
            feats, names = ds.features.copy(), ds.feature_names
        return CandidateSet(
            ds.ids[keep].copy(), ds.positions_mm[keep].copy(), np.asarray(feats, float), names
        )


class ReplayNoiseConfig(Strict):
    """Fresh noise on replayed values, drawn per location from the instrument seed.

    `relative`: Gaussian σ = relative × (1.4826·MAD of that quantity over the whole dataset).
    `recorded_std`: also add N(0, std) where the dataset declares a per-location std array.
    `scalars`: apply `relative` to scalars as well as to channel arrays.
    """

    relative: NonNegFloat = 0.0
    recorded_std: bool = False
    scalars: bool = True


class ReplayInstrumentConfig(_DatasetSource):
    """Replays a recorded library dataset through the Instrument protocol.

    `miss`: what a never-recorded location does: `error` (default) or `nearest` recorded one.
    `timing`: overrides of ReplayTiming fields (seconds; defaults come from the dataset).
    `match_tolerance_mm`: hit radius (default a quarter of the dataset's location spacing).
    """

    kind: Literal["replay"]
    dataset: Path
    miss: Literal["error", "nearest"] = "error"
    noise: ReplayNoiseConfig = Field(default_factory=ReplayNoiseConfig)
    timing: dict[str, NonNegFloat] = Field(default_factory=dict)
    match_tolerance_mm: PositiveFloat | None = None
    start_xy_mm: XY = (0.0, 0.0)
    measure_timeout_s: PositiveFloat = 600.0

    _dataset = field_validator("dataset", mode="before")(resolve_dataset_path)

    @field_validator("timing")
    @classmethod
    def _known_timing(cls, v: dict[str, float]) -> dict[str, float]:
        known = {f.name for f in dataclasses.fields(ReplayTiming)}
        bad = sorted(set(v) - known)
        if bad:
            raise ValueError(f"unknown timing field(s) {bad}; known: {sorted(known)}")
        if v.get("stage_speed_mm_per_s", 1.0) <= 0:
            raise ValueError("stage_speed_mm_per_s must be > 0")
        return v

    @model_validator(mode="after")
    def _pin(self) -> ReplayInstrumentConfig:
        _pin_sha256(self, self.dataset)
        return self

    def load(self) -> LibraryDataset:
        return self._load(self.dataset)

    def check_library(self, library: CandidateSet) -> None:
        """ConfigError if, with miss: error, some library location was never recorded."""
        if self.miss != "error":
            return
        from scipy.spatial import cKDTree  # noqa: PLC0415

        ds = self.load()
        tol = self.match_tolerance_mm or 0.25 * ds.spacing_mm()
        dist = cKDTree(ds.positions_mm).query(library.positions_mm)[0]
        missing = np.flatnonzero(dist > tol)
        if len(missing):
            k = int(missing[0])
            x, y = library.positions_mm[k]
            raise ConfigError(
                f"instrument: {len(missing)} of {len(library)} library locations were never "
                f"recorded in dataset {ds.name!r} (e.g. id {int(library.ids[k])} at "
                f"({x:.4g}, {y:.4g}) mm); use `library: {{kind: dataset}}` or `miss: nearest`"
            )

    def check_sources(self, sources: dict[str, str]) -> None:
        """ConfigError if an objective / outcome reads a channel the dataset does not record
        (found before the run starts, not as a fault at its first measurement).

        `sources` maps "objectives[0]" style keys to the channel in their `from:`."""
        ds = self.load()
        for key, source in sources.items():
            if source != "scalar" and source not in ds.channels:
                raise ConfigError(
                    f"{key}.from: channel {source!r} is not recorded in dataset {ds.name!r} "
                    f"({self.dataset}); it has channels {sorted(ds.channels)}: read one of "
                    "those or replay a dataset that records it"
                )

    def spec(self) -> ReplayInstrumentSpec:
        """The YAML fields (and the loaded recording) as hardware.assembly.replay's spec."""
        return ReplayInstrumentSpec(
            self.load(),
            miss=self.miss,
            noise_relative=self.noise.relative,
            recorded_std=self.noise.recorded_std,
            noise_scalars=self.noise.scalars,
            timing=dict(self.timing),
            match_tolerance_mm=self.match_tolerance_mm,
            start_xy_mm=self.start_xy_mm,
        )

    def build(self, build: InstrumentBuild) -> Instrument:
        return assemble_replay(self.spec(), build)
