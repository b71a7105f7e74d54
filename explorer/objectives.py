"""Objectives: turn a raw `Measurement` into scalar values (scalarizers).

An objective names where its number comes from (`source`) and how (`metric`):

* `source: sspfm` (any loop channel with `<ch>.bias_v` and `<ch>.pr_off` / `<ch>.pr_on`, or the
  loop array named by `quantity`, e.g. a replayed `beps.piezoresponse`): the last cycle of the
  loop is fitted with loop model A (hardware.pfm.loops) and `metric` is one of LOOP_METRICS.
  Objectives never read the simulator's ground truth, only fitted raw data.
* `source: scalar`: a scalar the instrument reported (`Measurement.scalars[metric]`), e.g. a
  replayed table column such as Kerr rotation.
* `source: <channel>` with a spectrum metric (SPECTRUM_METRICS) over `<channel>.<quantity>`.
* `function: "package.module:callable"`: a user scalarizer `f(arrays: dict) -> float` receiving the
  channel's arrays (prefix stripped). The module is imported (installed code runs) when the
  config is validated; whatever the function raises, SystemExit included, fails one location.

Values are returned in user units and direction; `to_internal` flips minimised objectives so
every model sees "larger is better".
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from explorer.errors import ConfigError, short_text
from hardware.errors import MeasurementError
from hardware.pfm.loops import loop_metrics
from hardware.protocols import Measurement

FloatArray = NDArray[np.float64]
Direction = Literal["maximize", "minimize"]

LOOP_METRICS: tuple[str, ...] = (
    "loop_area",
    "loop_area_numeric",
    "loop_height",
    "loop_height_raw",
    "coercive_bias",
    "imprint",
    "vc_plus",
    "vc_minus",
    "remanent_response",
    "saturation_response",
    "fit_r2",
)

SPECTRUM_METRICS: dict[str, Callable[[FloatArray], float]] = {
    "max": lambda a: float(np.max(a)),
    "min": lambda a: float(np.min(a)),
    "mean": lambda a: float(np.mean(a)),
    "max_abs": lambda a: float(np.max(np.abs(a))),
    "peak_to_peak": lambda a: float(np.ptp(a)),
    "l2_norm": lambda a: float(np.linalg.norm(a)),
}


@dataclass(frozen=True)
class Objective:
    """One scalar objective.

    Attributes:
        name: objective name used in logs, plots and reference points.
        source: "sspfm"-like loop channel, "scalar", or a spectrum channel.
        metric: metric name (see module docstring).
        direction: "maximize" or "minimize".
        loop_field: "off" (remanent, default) or "on" field loop for loop metrics.
        quantity: array quantity for spectrum metrics (default: the only one / "data"), or the
            loop array for loop metrics (default: pr_off / pr_on from `loop_field`).
        function: optional import path "pkg.mod:func" of a user scalarizer.
    """

    name: str
    source: str
    metric: str
    direction: Direction = "maximize"
    loop_field: Literal["off", "on"] = "off"
    quantity: str | None = None
    function: str | None = None

    @property
    def sign(self) -> float:
        return 1.0 if self.direction == "maximize" else -1.0

    def to_internal(self, value: float) -> float:
        return self.sign * value

    def from_internal(self, value: float) -> float:
        return self.sign * value


#: what a loop metric's unit is made of: the response's, the bias's, their product or none
_LOOP_UNITS: dict[str, str] = {
    "loop_area": "area",
    "loop_area_numeric": "area",
    "loop_height": "response",
    "loop_height_raw": "response",
    "remanent_response": "response",
    "saturation_response": "response",
    "coercive_bias": "bias",
    "imprint": "bias",
    "vc_plus": "bias",
    "vc_minus": "bias",
    "fit_r2": "none",
}


def unit_from_data(obj: Objective, units: Mapping[str, str]) -> str | None:
    """The objective's unit implied by the units of the arrays it is computed from (`units`:
    as an instrument that knows them reports, e.g. a replayed dataset: "beps.piezoresponse"
    -> "pm/V"), or None when those units are not known (a user function, an unknown array)."""
    if obj.function is not None:
        return None
    if obj.source == "scalar":
        return units.get(obj.metric)
    if obj.metric in _LOOP_UNITS:
        key = obj.quantity or ("pr_off" if obj.loop_field == "off" else "pr_on")
        response = units.get(f"{obj.source}.{key}")
        bias = units.get(f"{obj.source}.bias_v") or "V"
        kind = _LOOP_UNITS[obj.metric]
        if kind == "none":
            return ""
        if kind == "bias":
            return bias
        if response is None:
            return None
        return response if kind == "response" else (f"{response}·{bias}" if response else bias)
    keys = sorted(k for k in units if k.startswith(f"{obj.source}."))
    if obj.quantity is not None:
        return units.get(f"{obj.source}.{obj.quantity}")
    if f"{obj.source}.data" in units:
        return units[f"{obj.source}.data"]
    return units[keys[0]] if keys else None


def load_function(path: str) -> Callable[[dict[str, FloatArray]], float]:
    """Import a user scalarizer given as "package.module:callable" (this imports and so runs
    installed code) and check that it takes the one argument it is called with."""
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"function {path!r} must look like 'package.module:callable'")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except BaseException as exc:  # an import may raise anything, SystemExit too
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise ConfigError(
            f"cannot import scalarizer {path!r}: {type(exc).__name__}: {short_text(str(exc))}; "
            "install the module or fix the path"
        ) from None
    if not callable(fn):
        raise ConfigError(f"scalarizer {path!r} is not callable")
    _check_signature(path, fn)
    return fn


def _check_signature(path: str, fn: Callable[..., object]) -> None:
    """ConfigError unless `fn(arrays)` binds (callables without a signature are accepted)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    try:
        sig.bind({})
    except TypeError as exc:
        raise ConfigError(
            f"scalarizer {path!r} has signature {sig}, but it is called as f(arrays: dict) -> "
            f"float ({exc})"
        ) from None


def call_function(path: str, arrays: dict[str, FloatArray], location_id: int) -> float:
    """Run a user scalarizer inside a guard: anything it raises, SystemExit included, fails
    this location (MeasurementError), never the process; only Ctrl-C passes through."""
    fn = load_function(path)
    try:
        return float(fn(arrays))
    except (Exception, SystemExit) as exc:
        raise MeasurementError(
            f"scalarizer {path!r} failed at location {location_id}: "
            f"{type(exc).__name__}: {short_text(str(exc))}"
        ) from None


def last_cycle(bias_v: FloatArray) -> slice:
    """Slice of the last full bias cycle (a cycle starts where the bias rises above 0)."""
    rising_above = (bias_v[1:] > 0.0) & (bias_v[:-1] <= 0.0)
    starts = [0, *(np.nonzero(rising_above)[0] + 1).tolist()]
    full = [s for s in starts if len(bias_v) - s >= 8]
    return slice(full[-1] if full else 0, len(bias_v))


def _loop_values(
    m: Measurement, channel: str, loop_field: str, quantity: str | None = None
) -> dict[str, float]:
    arrays = m.channel(channel)
    key = quantity or ("pr_off" if loop_field == "off" else "pr_on")
    if "bias_v" not in arrays or key not in arrays:
        raise MeasurementError(
            f"measurement has no loop '{channel}.bias_v'/'{channel}.{key}'; "
            f"available arrays: {sorted(m.arrays)}"
        )
    bias, pr = np.asarray(arrays["bias_v"], float), np.asarray(arrays[key], float)
    sl = last_cycle(bias)
    try:
        return loop_metrics(bias[sl], pr[sl]).as_dict()
    except ValueError as exc:
        raise MeasurementError(f"loop fit failed at location {m.location_id}: {exc}") from None


def _spectrum_value(m: Measurement, obj: Objective) -> float:
    arrays = m.channel(obj.source)
    if not arrays:
        raise MeasurementError(f"measurement has no channel {obj.source!r}; has {sorted(m.arrays)}")
    if obj.function is not None:
        return call_function(obj.function, arrays, m.location_id)
    quantity = obj.quantity or ("data" if "data" in arrays else sorted(arrays)[0])
    if quantity not in arrays:
        raise MeasurementError(f"channel {obj.source!r} has no quantity {quantity!r}")
    return SPECTRUM_METRICS[obj.metric](np.asarray(arrays[quantity], float))


def evaluate(objectives: Sequence[Objective], m: Measurement) -> dict[str, float]:
    """Objective values (user units) of one measurement; NaN where a value is unusable.

    Loop fits are shared between objectives reading the same channel and field.
    Raises MeasurementError only for structural problems (missing channel); a failed fit or a
    non-finite reading gives NaN so the runner can log it and carry on.
    """
    loops: dict[tuple[str, str, str | None], Mapping[str, float]] = {}
    out: dict[str, float] = {}
    for obj in objectives:
        try:
            if obj.source == "scalar":
                value = float(m.scalars[obj.metric])
            elif obj.metric in LOOP_METRICS and obj.function is None:
                key = (obj.source, obj.loop_field, obj.quantity)
                if key not in loops:
                    loops[key] = _loop_values(m, *key)
                value = loops[key][obj.metric]
            else:
                value = _spectrum_value(m, obj)
        except KeyError:
            raise MeasurementError(
                f"measurement has no scalar {obj.metric!r}; has {sorted(m.scalars)}"
            ) from None
        except MeasurementError as exc:
            if "fit failed" not in str(exc):
                raise
            value = math.nan
        out[obj.name] = value if math.isfinite(value) else math.nan
    return out
