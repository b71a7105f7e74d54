"""Run directories for the plot/report/compare tests.

* `sim_run`: a real `explorer run` on the simulated SmBFO instrument (CLI end to end).
* `runner_run`: the real Runner/Campaign/EventLog with an instrument defined here, for library
  and instrument kinds this branch has no simulator for (ternary PFM library, replay of a
  pre-acquired data set). `logged_config` lets the run directory record the instrument as it
  would be configured (e.g. `kind: replay`), while the campaign is built from `config`.
* `synthetic_run`: a run directory written event by event (the real event classes and raw npz
  format) with what strategies on other branches log: hypervolume + reference point in
  `front_updated`, a novelty score in `suggested.info`, queue picks, a fault and a resume.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from explorer.cli import main
from explorer.config import parse_config
from explorer.engine.build import build_campaign, build_library, build_stop
from explorer.engine.events import (
    EventLog,
    Fault,
    FrontUpdated,
    Measured,
    RunResumed,
    RunStarted,
    RunStopped,
    Suggested,
    WarningEvent,
)
from explorer.engine.rundir import (
    EVENTS_FILE,
    create_run_dir,
    package_versions,
    save_raw,
    write_config,
)
from explorer.engine.runner import Runner, RunState
from explorer.pareto import hypervolume, non_dominated_mask
from hardware.pfm.loops import LoopParams, branch_directions, loop_model, triangle_waveform
from hardware.protocols import Measurement
from tests.conftest import BASE_CONFIG

DURATIONS_S = {"move": 40.0, "approach": 20.0, "tune": 6.5, "settle": 30.0, "measure": 10.0}


def config(out: Path, **overrides: Any) -> dict[str, Any]:
    cfg = copy.deepcopy(BASE_CONFIG)
    cfg["output"] = {"dir": str(out)}
    cfg.update(copy.deepcopy(overrides))
    return cfg


def sim_run(tmp: Path, **overrides: Any) -> Path:
    """A finished `explorer run` of BASE_CONFIG (+ overrides) on the simulator."""
    import yaml

    out = tmp / "runs"
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / f"campaign-{len(list(tmp.glob('campaign-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(config(out, **overrides)))
    before = set(out.glob("*")) if out.exists() else set()
    assert main(["run", str(path), "-q"]) == 0
    (run,) = [p for p in set(out.glob("*")) - before if p.is_dir() and not p.is_symlink()]
    return run


def runner_run(
    tmp: Path,
    cfg: dict[str, Any],
    make_instrument: Callable[[Any], Any],
    *,
    logged_config: dict[str, Any] | None = None,
) -> Path:
    """Run the real campaign loop with a test instrument; returns the run directory."""
    parsed = parse_config(cfg)
    library = build_library(parsed)
    campaign = build_campaign(parsed, library)
    run_dir = create_run_dir(parsed.output.dir, parsed.name)
    shown = logged_config or parsed.model_dump(mode="json", by_alias=True)
    write_config(run_dir, shown)
    log = EventLog(run_dir / EVENTS_FILE, fsync=False)
    instrument = make_instrument(parsed)
    log.emit(
        RunStarted(
            run_id=run_dir.name,
            name=parsed.name,
            seed=parsed.seed,
            config=shown,
            versions=package_versions(),
            channels=list(instrument.channels),
            objectives=[
                {"name": o.name, "direction": o.direction, "source": o.source, "metric": o.metric}
                for o in campaign.objectives
            ],
            n_candidates=len(library),
            feature_names=list(library.feature_names),
        )
    )
    runner = Runner(
        run_dir, campaign, instrument, log, build_stop(parsed, campaign.objectives), RunState([])
    )
    outcome = runner.run()
    log.close()
    assert outcome.status == "success", outcome.reason
    return run_dir


# ---- a ternary PFM library (a test instrument: loops whose size depends on composition) ----
class TernaryLoopInstrument:
    """Loops with a height peaked at composition (0.5, 0.3, 0.2) and coercive bias rising with
    the third end member; noise from a generator keyed on the location."""

    channels = ("sspfm",)

    def __init__(self, composition_at: Callable[[np.ndarray], np.ndarray], seed: int = 0) -> None:
        self.composition_at = composition_at
        self.seed = seed

    def measure_at(
        self, location_id: int, x_mm: float, y_mm: float, *, timeout_s: float
    ) -> Measurement:
        rng = np.random.default_rng([self.seed, location_id])
        f = self.composition_at(np.array([[x_mm, y_mm]]))[0]
        height = 5.0 + 60.0 * math.exp(-np.sum((f - [0.5, 0.3, 0.2]) ** 2) / 0.05)
        vc = 1.0 + 3.0 * f[2]
        w = 0.25 * vc
        bias = triangle_waveform(8.0, 48, 2)
        p = LoopParams(0.0, height / (2 * math.tanh(vc / w)), vc, -vc, w)
        pr = loop_model(p, bias, branch_directions(bias)) + rng.normal(0, 0.8, bias.shape)
        return Measurement(
            location_id,
            x_mm,
            y_mm,
            {"sspfm.bias_v": bias, "sspfm.pr_off": pr},
            durations_s=dict(DURATIONS_S),
        )

    def abort(self) -> None: ...

    def close(self) -> None: ...


TERNARY_LIBRARY = {
    "kind": "grid",
    "x_mm": [0.0, 10.0],
    "y_mm": [0.0, 8.66],
    "shape": [13, 11],
    "composition": {
        "kind": "ternary",
        "elements": ["Al", "Sc", "B"],
        "corners_mm": [[0.0, 0.0], [10.0, 0.0], [5.0, 8.66]],
    },
}


def ternary_run(tmp: Path) -> Path:
    cfg = config(
        tmp / "runs",
        name="ternary",
        library=TERNARY_LIBRARY,
        strategy={
            "kind": "two_phase",
            "initial": {"kind": "sobol", "n": 4},
            "then": {"kind": "gp_bo", "acquisition": "ei", "gp": {"restarts": 0}},
        },
        stop={"max_points": 10},
    )

    def make(parsed: Any) -> TernaryLoopInstrument:
        lib = parsed.library
        return TernaryLoopInstrument(lib.composition.build(lib.x_mm, lib.y_mm))

    return runner_run(tmp, cfg, make)


# ---- replay of a pre-acquired ternary data set (NIST Fe-Co-Ni: XRD spectra + two scalars) ----
class FeCoNiReplay:
    """Serves the nearest Fe-Co-Ni sample (in composition) of the NIST data set: its XRD
    pattern as a spectrum channel, coercivity and Kerr rotation as scalars, and a crude phase
    label (strongest XRD peak: fcc(111) < 44.4° <= bcc(110) < 45.5° <= other) as `class_label`.
    Durations are zero except a fixed 'measure' (a replay costs no stage time)."""

    channels = ("xrd",)

    def __init__(self, mat: Path, composition_at: Callable[[np.ndarray], np.ndarray]) -> None:
        import scipy.io

        d = scipy.io.loadmat(mat)
        self.comp = d["C"] / 100.0
        self.tth = d["TTH"][0].astype(float)
        self.xrd = d["XRD"].astype(float)
        self.coer = d["Coer"][:, 0].astype(float)
        self.kerr = d["Kerr"][:, 0].astype(float)
        self.composition_at = composition_at

    def measure_at(
        self, location_id: int, x_mm: float, y_mm: float, *, timeout_s: float
    ) -> Measurement:
        f = self.composition_at(np.array([[x_mm, y_mm]]))[0]
        k = int(np.argmin(np.linalg.norm(self.comp - f, axis=1)))
        peak = self.tth[int(np.argmax(self.xrd[k]))]
        label = 0.0 if peak < 44.4 else (1.0 if peak < 45.5 else 2.0)
        return Measurement(
            location_id,
            x_mm,
            y_mm,
            {"xrd.two_theta_deg": self.tth, "xrd.intensity": self.xrd[k]},
            scalars={
                "coercivity_mT": self.coer[k],
                "kerr_mrad": self.kerr[k],
                "class_label": label,
            },
            durations_s={"measure": 1.0},
        )

    def abort(self) -> None: ...

    def close(self) -> None: ...


def replay_run(tmp: Path, mat: Path, seed: int = 7, strategy: dict[str, Any] | None = None) -> Path:
    objectives = [
        {"name": "kerr", "from": "scalar", "metric": "kerr_mrad", "unit": "mrad"},
        {
            "name": "coercivity",
            "from": "scalar",
            "metric": "coercivity_mT",
            "unit": "mT",
            "direction": "minimize",
        },
    ]
    library = copy.deepcopy(TERNARY_LIBRARY)
    library["composition"]["elements"] = ["Fe", "Co", "Ni"]
    cfg = config(
        tmp / "runs",
        name="feconi-replay",
        seed=seed,
        library=library,
        objectives=objectives,
        strategy=strategy or {"kind": "sobol"},
        stop={"max_points": 12},
    )
    logged = parse_config(cfg).model_dump(mode="json", by_alias=True)
    logged["instrument"] = {"kind": "replay", "dataset": str(mat), "match": "nearest"}

    def make(parsed: Any) -> FeCoNiReplay:
        lib = parsed.library
        return FeCoNiReplay(mat, lib.composition.build(lib.x_mm, lib.y_mm))

    return runner_run(tmp, cfg, make, logged_config=logged)


# ---- a synthetic multi-objective run (event schema only) -------------------------------------
def _loop_measurement(lid: int, x: float, y: float, height: float, vc: float) -> Measurement:
    bias = triangle_waveform(10.0, 64, 2)
    w = 0.25 * vc
    p = LoopParams(0.0, height / (2 * math.tanh(vc / w)), vc, -vc, w)
    noise = np.random.default_rng(lid).normal(0, 0.5, bias.shape)
    pr = loop_model(p, bias, branch_directions(bias)) + noise
    return Measurement(
        lid, x, y, {"sspfm.bias_v": bias, "sspfm.pr_off": pr}, durations_s=dict(DURATIONS_S)
    )


def synthetic_run(tmp: Path) -> Path:
    """12 measurements of a 2-objective 'mobo' run with logged reference point, hypervolume,
    novelty scores, one queue pick, one fault (skipped location) and a resume."""
    cfg = config(
        tmp / "runs",
        name="synthetic-mobo",
        objectives=[
            {"name": "loop_height", "from": "sspfm", "metric": "loop_height"},
            {
                "name": "coercive_bias",
                "from": "sspfm",
                "metric": "coercive_bias",
                "direction": "minimize",
            },
        ],
        stop={"max_points": 12},
    )
    parsed = parse_config(cfg)
    dumped = parsed.model_dump(mode="json", by_alias=True)
    dumped["strategy"] = {"kind": "mobo_v2", "acquisition": "ehvi"}  # a kind from a newer version
    library = build_library(parsed)
    ref = {"loop_height": 0.0, "coercive_bias": 4.0}
    run_dir = create_run_dir(tmp / "runs", "synthetic-mobo")
    write_config(run_dir, dumped)
    rng = np.random.default_rng(3)
    ids = rng.choice(library.ids, 13, replace=False)
    with EventLog(run_dir / EVENTS_FILE, fsync=False) as log:
        log.emit(
            RunStarted(
                run_id=run_dir.name,
                name="synthetic-mobo",
                seed=1,
                config=dumped,
                versions={},
                channels=["sspfm"],
                objectives=[
                    {
                        "name": "loop_height",
                        "direction": "maximize",
                        "source": "sspfm",
                        "metric": "loop_height",
                    },
                    {
                        "name": "coercive_bias",
                        "direction": "minimize",
                        "source": "sspfm",
                        "metric": "coercive_bias",
                    },
                ],
                n_candidates=len(library),
                feature_names=["Sm"],
                ref_point=ref,
            )
        )
        _synthetic_steps(run_dir, log, library, ids, ref)
    return run_dir


def _synthetic_steps(
    run_dir: Path, log: EventLog, library: Any, ids: np.ndarray, ref: dict[str, float]
) -> None:
    Y: list[list[float]] = []
    done: list[int] = []
    t = 0.0
    for k, lid in enumerate(int(i) for i in ids):
        x, y = library.position_of(lid)
        origin = "queue" if k == 5 else "strategy"
        log.emit(
            Suggested(
                step=len(done),
                location_id=lid,
                x_mm=x,
                y_mm=y,
                strategy="mobo",
                origin=origin,
                acquisition=None if k < 3 else 1.0 / (k + 1),
                info={"novelty": float((k * 7) % 11)},
                decision_s=0.05 * k,
            )
        )
        if k == 4:
            log.emit(
                Fault(
                    message="approach failed: no surface found",
                    error="ApproachError",
                    location_id=lid,
                )
            )
            log.emit(
                RunStopped(
                    status="fault",
                    reason="ApproachError",
                    n_measured=len(done),
                    instrument_time_s=t,
                )
            )
            log.emit(RunResumed(n_measured=len(done), pending=[lid]))
            log.emit(
                WarningEvent(
                    message=f"location {lid} skipped after a fault",
                    category="skipped",
                    location_id=lid,
                )
            )
            continue
        height, vc = 10.0 + 5.0 * k, 1.0 + 0.15 * k + (0.8 if k % 3 == 0 else 0.0)
        m = _loop_measurement(lid, x, y, height, vc)
        raw = save_raw(run_dir, len(done), m)
        t += m.duration_s
        log.emit(
            Measured(
                step=len(done),
                location_id=lid,
                x_mm=x,
                y_mm=y,
                objectives={"loop_height": height, "coercive_bias": vc},
                raw=raw,
                durations_s=dict(m.durations_s),
                duration_s=m.duration_s,
                instrument_time_s=t,
            )
        )
        done.append(lid)
        Y.append([height, -vc])
        arr = np.array(Y)
        mask = non_dominated_mask(arr)
        log.emit(
            FrontUpdated(
                step=len(done) - 1,
                front_ids=[done[i] for i in np.flatnonzero(mask)],
                front_values=[[r[0], -r[1]] for r in arr[mask]],
                hypervolume=hypervolume(arr, np.array([ref["loop_height"], -ref["coercive_bias"]])),
                ref_point=ref,
            )
        )
    log.emit(
        RunStopped(status="success", reason="max_points", n_measured=len(done), instrument_time_s=t)
    )
