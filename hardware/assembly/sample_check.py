"""Checks of `sample_params` (overrides of a simulated sample model) at load time.

A hand-edited physics parameter can break the simulator in the middle of a campaign (a dead-spot
probability of 1 divides by zero, a negative Q is an invalid scale, a zero correlation length
divides by zero). Each override is first checked against the domain its name implies, then the
sample model with all overrides is evaluated across its composition range, with numerical
warnings and floating-point errors treated as failures: if anything raises or returns a
non-finite number, the config is refused with one line naming the parameters.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import warnings
from typing import Any

import numpy as np

from hardware.assembly.samples import build_sample, sample_elements, sample_param_names
from hardware.assembly.specs import SampleSpec
from hardware.pfm.sspfm import reduce, synthesize
from hardware.protocols import SSParams

# (name fragment, test, what the value must be)
_RULES: tuple[tuple[str, Any, str], ...] = (
    ("probability", lambda v: 0.0 <= v < 1.0, "in [0, 1)"),
    ("lifetime", lambda v: v > 0.0, "> 0"),
    ("length_mm", lambda v: v > 0.0, "> 0"),
    ("width", lambda v: v > 0.0, "> 0"),
    ("thickness", lambda v: v > 0.0, "> 0"),
    ("f0_ref_hz", lambda v: v > 0.0, "> 0"),
    ("q_mean", lambda v: v > 0.0, "> 0"),
    ("sigma", lambda v: 0.0 <= v <= 10.0, "in [0, 10]"),
    ("noise", lambda v: v >= 0.0, ">= 0"),
    ("spread", lambda v: 0.0 <= v < 1.0, "in [0, 1)"),
    ("jitter", lambda v: 0.0 <= v < 1.0, "in [0, 1)"),
)


def domain_problems(params: dict[str, float]) -> list[str]:
    """One message per override outside the domain its name implies."""
    out = []
    for name, value in sorted(params.items()):
        for fragment, ok, want in _RULES:
            if fragment in name and not ok(value):
                out.append(f"sample_params.{name}: {value!r} must be {want}")
                break
    return out


def smoke_test(sample_name: str, params: dict[str, float], elements: tuple[str, ...]) -> str | None:
    """Evaluate the sample model with the overrides over its composition range; the first
    failure (exception, numerical warning, non-finite value) as a message, else None."""
    rng = np.random.default_rng(0)
    fractions = np.linspace(0.0, 0.5, 6)
    try:
        with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
            warnings.simplefilter("error")
            sample = build_sample(SampleSpec(sample_name, "realistic", params), 0)
            for values in itertools.product(fractions, repeat=len(elements)):
                comp = dict(zip(elements, (float(v) for v in values), strict=True))
                for x_mm, y_mm in ((0.0, 0.0), (7.0, 3.0)):
                    _finite(sample.response(comp, x_mm, y_mm))
                    spot = sample.spot(comp, x_mm, y_mm, rng)
                    _finite(spot)
            with np.errstate(invalid="ignore", divide="ignore"):  # failed steps are NaN
                reduce(
                    synthesize(
                        spot,
                        SSParams(),
                        rng,
                        tip_sensitivity=1.0,
                        lockin_phase_rad=0.0,
                        detector_noise=sample.detector_noise,
                    )
                )
    except (ArithmeticError, ValueError, TypeError, Warning) as exc:
        return (
            f"sample_params {sorted(params)}: the {sample_name} model fails with these values "
            f"({type(exc).__name__}: {exc}); use physically meaningful values"
        )
    return None


def _finite(value: Any) -> None:
    """Raise ValueError if a response (nested dataclasses / numbers) holds a non-finite."""
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            if f.name != "breakdown_v":  # inf means 'never breaks down'
                _finite(getattr(value, f.name))
    elif isinstance(value, float | int) and not math.isfinite(value):
        raise ValueError(f"non-finite model output {value}")


def sample_problems(sample_name: str, params: dict[str, float]) -> list[str]:
    """Everything wrong with `sample_params` (empty when they are fine or absent)."""
    if not params:
        return []
    known, elements = sample_param_names(sample_name), sample_elements(sample_name)
    bad = sorted(set(params) - known)
    if bad:
        return [
            f"sample_params: unknown parameter(s) {bad} for sample {sample_name!r}; "
            f"known: {sorted(known)}"
        ]
    problems = domain_problems(params)
    if problems:
        return problems
    failure = smoke_test(sample_name, params, elements)
    return [failure] if failure else []
