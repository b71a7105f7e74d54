"""`explorer dataset simulate`: record a whole simulated library as a library dataset.

Uses only the public entry points: the campaign's library
(`explorer.engine.build.build_library`) and its simulated instrument
(`explorer.engine.build.build_instrument` + `Instrument.measure_at`).
Every library location is measured once, in id order (a raster, as a grid scan would be recorded),
so tip wear and per-spot variability are as in a live run. Where the instrument stops (the tip
check refuses a worn tip; an approach fails twice), a fresh instrument - a new tip - carries on
from that location, as an operator recording a whole library would; provenance records how
often (`instrument_restarts`) and why (`restart_log`). The loops become channel `sspfm`
(`pr_off`, `pr_on` over `bias_v`) and the instrument's scalars become scalars, except the
facade's bookkeeping (`journal_seq_*`: the span of the recording session's hardware journal,
meaningless to a replay).

Ground truth: the same library measured by a noise-free twin of the instrument (the config
with `noise: none` and no tip wear) and reduced by the loop objectives (loop_area, loop_height,
coercive_bias, imprint) - what the metrics are without spot-to-spot variability.
Phase classes: when the simulated sample has a ground-truth class map (`class_at`, the phase
library of hardware/pfm/phases.py), ground truth `phase_class` holds each location's class id,
a categorical array whose `categories` are the class names (`sample.class_names`); the sample
is rebuilt from the config exactly as the instrument builds it (same seed, same boundaries).
Image (only for complete grids): the on-field loop half-amplitude (max − min)/2 of each recorded
location (missing points ignored), a quick amplitude map, on the grid with its pixel -> mm
transform. Loop points the simulated instrument could not measure stay NaN (missing).
"""

from __future__ import annotations

from importlib import metadata

import numpy as np

from explorer.config import CampaignConfig
from explorer.config.instrument import SimInstrumentConfig
from explorer.config.library_config import GridLibrary
from explorer.engine.build import Seeds, build_instrument, build_library
from explorer.errors import AbortedError, ConfigError, HardwareError
from explorer.library import CandidateSet, grid_positions
from explorer.objectives import Objective, evaluate
from hardware.assembly.samples import build_sample
from hardware.protocols import Measurement
from hardware.replay import Axis, Channel, DataArray, DatasetImage, LibraryDataset

TRUTH_METRICS = ("loop_area", "loop_height", "coercive_bias", "imprint")
TRUTH_UNITS = {"loop_area": "a.u.·V", "loop_height": "a.u.", "coercive_bias": "V", "imprint": "V"}


MAX_ATTEMPTS = 3  # per location, each with a fresh instrument after the first


def _measure_all(cfg: CampaignConfig, library: CandidateSet) -> tuple[list[Measurement], list[str]]:
    """Every location once, in id order, as an operator records a whole library: when the
    instrument stops at a location (the tip check refuses a worn tip - the simulated tip wears
    out after a few hundred loops -, or an approach fails twice), a fresh instrument (a new tip,
    re-approached) carries on from that location, up to MAX_ATTEMPTS tries per location. Returns
    the measurements and one line per restart (location id and reason)."""
    timeout = getattr(cfg.instrument, "measure_timeout_s", 600.0)
    inst = build_instrument(cfg)
    out: list[Measurement] = []
    restarts: list[str] = []
    try:
        for i, (x, y) in zip(library.ids, library.positions_mm, strict=True):
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    out.append(inst.measure_at(int(i), float(x), float(y), timeout_s=timeout))
                    break
                except AbortedError:
                    raise
                except HardwareError as exc:
                    if attempt == MAX_ATTEMPTS:
                        raise
                    restarts.append(f"{int(i)}: {str(exc).splitlines()[0]}")
                    inst.close()
                    t = out[-1].t_end_s if out else 0.0
                    inst = build_instrument(cfg, start_time_s=t, start_xy_mm=(float(x), float(y)))
    finally:
        inst.close()
    return out, restarts


def _noise_free(cfg: CampaignConfig) -> CampaignConfig:
    assert isinstance(cfg.instrument, SimInstrumentConfig)
    params = {**cfg.instrument.sample_params, "tip_lifetime_loops": 1e18}
    inst = cfg.instrument.model_copy(update={"noise": "none", "sample_params": params})
    return cfg.model_copy(update={"instrument": inst})


def _truth(cfg: CampaignConfig, library: CandidateSet) -> dict[str, DataArray]:
    objectives = [Objective(m, "sspfm", m) for m in TRUTH_METRICS]
    values = [evaluate(objectives, m) for m in _measure_all(_noise_free(cfg), library)[0]]
    return {
        k: DataArray(
            np.array([v[k] for v in values]),
            TRUTH_UNITS[k],
            description="fitted on the noise-free twin's off-field loop",
        )
        for k in TRUTH_METRICS
        if all(np.isfinite(v[k]) for v in values)
    }


def _phase_classes(cfg: CampaignConfig, library: CandidateSet) -> dict[str, DataArray]:
    """{"phase_class": class ids} when the sample has a class map, else {}."""
    inst = cfg.instrument
    assert isinstance(inst, SimInstrumentConfig)
    sample = build_sample(inst.sample_spec(), Seeds.derive(cfg.seed).instrument)
    if not hasattr(sample, "class_at"):
        return {}
    pos = library.positions_mm
    return {
        "phase_class": DataArray(
            sample.class_at(pos[:, 0], pos[:, 1]).astype(float),
            "1",
            description="ground-truth phase family id of the simulated sample (class_at)",
            categories=tuple(sample.class_names),
        )
    }


def _image(cfg: CampaignConfig, library: CandidateSet, pr_on: np.ndarray) -> DatasetImage | None:
    lib = cfg.library
    if not isinstance(lib, GridLibrary):
        return None
    ids, _ = grid_positions(lib.x_mm, lib.y_mm, lib.shape)
    if len(library) != len(ids):
        return None  # an outline or keep-out removed grid points: no complete image
    nx, ny = lib.shape
    lo = np.where(np.isnan(pr_on), np.inf, pr_on).min(axis=1)  # NaN = a missing loop point
    hi = np.where(np.isnan(pr_on), -np.inf, pr_on).max(axis=1)
    amp = np.where(np.isfinite(hi - lo), 0.5 * (hi - lo), 0.0)
    dx = (lib.x_mm[1] - lib.x_mm[0]) / max(nx - 1, 1)
    dy = (lib.y_mm[1] - lib.y_mm[0]) / max(ny - 1, 1)
    affine = np.array([[dx, 0.0, lib.x_mm[0]], [0.0, dy, lib.y_mm[0]]])
    return DatasetImage(amp.reshape(ny, nx), affine, ("on_field_half_amplitude",), ("a.u.",))


def _timing(cfg: CampaignConfig) -> dict[str, float]:
    assert isinstance(cfg.instrument, SimInstrumentConfig)
    t, spots = cfg.instrument.timing, cfg.instrument.sspfm.spots
    return {
        "move_fixed_s": t.retract_s + t.stage_enable_s + t.stage_disable_s,
        "stage_speed_mm_per_s": t.stage_speed_mm_per_s,
        "approach_s": t.approach_s,
        "tune_s": t.tune_s + t.zero_pd_s,
        "settle_s": t.settle_s,
        "measure_s": t.loop_s * spots,
        "overhead_s": t.mode_switch_s,
    }


def simulate_dataset(cfg: CampaignConfig) -> LibraryDataset:
    """Measure every location of the campaign's library with its simulated instrument."""
    if not isinstance(cfg.instrument, SimInstrumentConfig):
        raise ConfigError(
            f"instrument: `dataset simulate` needs kind: sim, got {cfg.instrument.kind!r}"
        )
    library = build_library(cfg)
    ms, restarts = _measure_all(cfg, library)
    bias = ms[0].arrays["sspfm.bias_v"]
    pr_off = np.stack([m.arrays["sspfm.pr_off"] for m in ms])
    pr_on = np.stack([m.arrays["sspfm.pr_on"] for m in ms])
    scalars = {
        k: DataArray(np.array([m.scalars[k] for m in ms]), "1" if k.startswith("comp") else "a.u.")
        for k in ms[0].scalars
        if not k.startswith("journal_")
    }
    version = metadata.version("combi-explorer")
    return LibraryDataset(
        name=f"sim-{cfg.name}",
        source=f"simulated by combi-explorer {version} (campaign {cfg.name!r}, seed {cfg.seed}, "
        f"sample {cfg.instrument.sample}, noise {cfg.instrument.noise})",
        license="generated data, no restrictions",
        description="every library location measured once by the simulated instrument",
        positions_mm=library.positions_mm,
        features=library.features,
        feature_names=library.feature_names,
        location_ids=library.ids,
        channels={
            "sspfm": Channel(
                {
                    "pr_off": DataArray(pr_off, "a.u.", ("bias_v",), "off-field loop"),
                    "pr_on": DataArray(pr_on, "a.u.", ("bias_v",), "on-field loop"),
                },
                {"bias_v": Axis(bias, "V", "switching waveform")},
                kind="loop",
                description="simulated DART-SS switching spectroscopy",
            )
        },
        scalars=scalars,
        ground_truth={**_truth(cfg, library), **_phase_classes(cfg, library)},
        image=_image(cfg, library, pr_on),
        timing=_timing(cfg),
        provenance={
            "converter": "simulate",
            "campaign": cfg.name,
            "seed": cfg.seed,
            "instrument_restarts": len(restarts),
            "restart_log": "; ".join(restarts),
        },
    )
