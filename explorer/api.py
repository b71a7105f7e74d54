"""The Python API: drive a campaign from a notebook with your own measurement code.

    exp = Experiment.from_yaml("campaign.yaml", out="runs")
    for s in exp.ask():
        exp.tell(s, values={"yield": my_measure(s.x_mm, s.y_mm)})
    exp.close()

It is the CLI's engine (explorer.engine.session and runner) driven one step at a time, so the
run directory is the same: config.yaml, events.jsonl (run_started, suggested, measured,
front_updated, run_stopped), raw/*.npz; `explorer plot` and `explorer report` read it, and
`Experiment.resume(run_dir)` continues it with the same decisions. With `instrument: {kind:
external}` the caller measures: `tell` takes objective values (for objectives read `from:
scalar`) or a Measurement whose arrays the configured objectives reduce. On any other
instrument (a simulator, a replay) `tell(s)` alone measures with it, as `explorer run` would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from explorer.config import CampaignConfig, load_config, parse_config
from explorer.engine.session import Session, apply_overrides, resume, start_new
from explorer.errors import ConfigError, NoCandidatesLeftError
from explorer.strategies.base import Suggestion as EngineSuggestion
from hardware.handoff import HandoffInstrument
from hardware.protocols import Measurement


@dataclass(frozen=True)
class Suggestion:
    """A location to measure next: its id, stage position (mm) and model features."""

    location_id: int
    x_mm: float
    y_mm: float
    features: Mapping[str, float] = field(default_factory=dict)
    strategy: str = ""


class Experiment:
    """One campaign run, asked for suggestions and told measurements step by step."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._runner = session.runner
        self._open = True

    # ---- making one ------------------------------------------------------------------------
    @classmethod
    def from_yaml(
        cls, source: str | Path | Mapping[str, Any], *, out: str | Path | None = None
    ) -> Experiment:
        """A new run of the campaign in a YAML file (or an already-parsed dict) under `out`
        (default: the campaign's `output.dir`)."""
        if isinstance(source, Mapping):
            cfg = parse_config(dict(source), source="dict")
        else:
            cfg = load_config(Path(source))
        return cls.from_config(cfg, out=out)

    @classmethod
    def from_config(cls, cfg: CampaignConfig, *, out: str | Path | None = None) -> Experiment:
        if out is not None:
            cfg = apply_overrides(cfg, out=Path(out))
        return cls(start_new(cfg))

    @classmethod
    def resume(cls, run_dir: str | Path, *, max_points: int | None = None) -> Experiment:
        """Continue a run (made by the API or by `explorer run`) from its event log; suggestions
        that were asked but not told come back first from `ask`. `max_points` raises the
        budget, as `explorer resume --max-points` does."""
        return cls(resume(Path(run_dir), max_points=max_points))

    # ---- the loop --------------------------------------------------------------------------
    @property
    def run_dir(self) -> Path:
        return self._session.run_dir

    @property
    def config(self) -> CampaignConfig:
        return self._session.config

    @property
    def n_measured(self) -> int:
        return len(self._runner.campaign.observations)

    @property
    def done(self) -> str | None:
        """Why the campaign is finished (a stop rule met), or None."""
        return self._runner.stop_reason()

    def ask(self, n: int = 1) -> list[Suggestion]:
        """Up to `n` locations to measure next (logged as `suggested`); empty once a stop rule
        is met or the library is exhausted."""
        self._check_open()
        if n < 1:
            raise ConfigError(f"ask(n={n}): n must be at least 1")
        if self.done is not None:
            return []
        try:
            batch = self._runner.next_batch(n)
        except NoCandidatesLeftError:
            return []
        return [self._public(s) for s in batch]

    def tell(
        self,
        suggestion: Suggestion,
        values: Mapping[str, float] | None = None,
        *,
        measurement: Measurement | None = None,
    ) -> dict[str, float]:
        """Record the measurement of a suggested location; returns its objective values.

        `values` are objective values by name (external instrument, objectives `from:
        scalar`); `measurement` is a hardware.protocols.Measurement whose arrays the
        configured objectives reduce; with neither, the configured instrument measures."""
        self._check_open()
        engine = self._pending(suggestion)
        if values is not None or measurement is not None:
            self._handoff().hand_in(self._measurement(engine, values, measurement))
        self._runner.measure(engine)
        obs = self._runner.campaign.observations
        if not np.any(obs.ids == engine.location_id):
            raise ConfigError(
                f"location {engine.location_id}: the measurement was not usable (see the "
                f"warning in {self.run_dir / 'events.jsonl'})"
            )
        names = self._runner.campaign.objective_names
        row = obs.Y[-1]
        objs = self._runner.campaign.objectives
        return {n: o.from_internal(float(v)) for n, o, v in zip(names, objs, row, strict=True)}

    def close(self, reason: str = "closed from the Python API") -> None:
        """Log `run_stopped` and release the run directory (idempotent)."""
        if not self._open:
            return
        self._open = False
        try:
            self._runner.finish("success", self.done or reason)
        finally:
            self._session.close()

    def __enter__(self) -> Experiment:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---- helpers ---------------------------------------------------------------------------
    def _check_open(self) -> None:
        if not self._open:
            raise ConfigError(f"{self.run_dir}: this Experiment is closed; Experiment.resume it")

    def _public(self, s: EngineSuggestion) -> Suggestion:
        lib = self._runner.campaign.library
        x, y = lib.position_of(s.location_id)
        row = lib.features[int(lib.index_of([s.location_id])[0])]
        feats = {n: float(v) for n, v in zip(lib.feature_names, row, strict=True)}
        return Suggestion(s.location_id, float(x), float(y), feats, s.strategy)

    def _pending(self, s: Suggestion) -> EngineSuggestion:
        pending = self._runner.campaign.pending
        if s.location_id not in pending:
            raise ConfigError(
                f"location {s.location_id} is not waiting for a measurement (pending: "
                f"{sorted(pending)}); tell only what ask() returned, once"
            )
        return pending[s.location_id]

    def _handoff(self) -> HandoffInstrument:
        inst = self._runner.instrument
        if not isinstance(inst, HandoffInstrument):
            raise ConfigError(
                f"instrument kind {self.config.instrument.kind!r} measures by itself; call "
                "tell(suggestion) without values, or use `instrument: {kind: external}`"
            )
        return inst

    def _measurement(
        self,
        s: EngineSuggestion,
        values: Mapping[str, float] | None,
        measurement: Measurement | None,
    ) -> Measurement:
        x, y = self._runner.campaign.library.position_of(s.location_id)
        if measurement is not None:
            if measurement.location_id != s.location_id:
                raise ConfigError(
                    f"measurement.location_id {measurement.location_id} is not the suggested "
                    f"location {s.location_id}"
                )
            return measurement
        return Measurement(s.location_id, float(x), float(y), {}, self._scalars(values or {}))

    def _scalars(self, values: Mapping[str, float]) -> dict[str, float]:
        """Objective (and outcome) values by name -> the scalars their `from: scalar` reads."""
        quantities = [*self.config.objectives, *self.config.outcomes]
        known = {q.name for q in quantities}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"values: names {unknown} are not objectives or outcomes {sorted(known)}"
            )
        out: dict[str, float] = {}
        for q in quantities:
            if q.name not in values:
                continue
            if q.source != "scalar":
                raise ConfigError(
                    f"values[{q.name!r}]: objective {q.name!r} is reduced from channel "
                    f"{q.source!r}; tell a measurement= with its arrays, or configure it "
                    f"`from: scalar, metric: {q.name}`"
                )
            out[q.metric] = float(values[q.name])
        return out


__all__ = ["Experiment", "Suggestion"]
