"""The deterministic numerical fallback chain shared by the GP strategies (gp_bo, mobo).

A decision is tried with fitted hyperparameters, then with fixed default hyperparameters and a
noise floor (`FALLBACK_NOISE`); if both raise one of `NUMERICAL_ERRORS`, a max-min space-filling
pick is made. Every numerical warning raised on the way and every failure is recorded in the
suggestions' `info["fit_warnings"]`, and the fallback used in `info["fallback"]`; the runner turns
them into `warning` events.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from explorer.errors import ModelFitError
from explorer.library import CandidateSet
from explorer.observations import Observations
from explorer.strategies.base import SuggestContext, Suggestion
from explorer.strategies.space_filling import MaxMinStrategy

# what a degenerate data set can make the fit or the posterior raise (torch linalg errors are
# RuntimeErrors); each triggers the next deterministic fallback instead of a crash
NUMERICAL_ERRORS = (ModelFitError, ArithmeticError, RuntimeError, ValueError, np.linalg.LinAlgError)
FALLBACK_NOISE = 0.1  # standardised noise variance of the fixed-hyperparameter fallback


def decide_with_fallbacks(
    decide: Callable[[bool], list[Suggestion]],
    space_filling: Callable[[list[str]], list[Suggestion]],
    model: str,
) -> list[Suggestion]:
    """`decide(fixed)` with fitted, then fixed hyperparameters; else `space_filling(notes)`.

    `model` names what failed in the notes ("GP", "GPs")."""
    notes: list[str] = []
    for attempt in ("fitted", "fixed"):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                picks = decide(attempt == "fixed")
            notes += [f"{w.category.__name__}: {w.message}" for w in caught]
            return _annotate(picks, notes, attempt)
        except NUMERICAL_ERRORS as exc:
            notes.append(f"{attempt} {model} failed ({type(exc).__name__}: {exc})")
    return space_filling(notes)


def maxmin_fallback(
    name: str,
    candidates: CandidateSet,
    observations: Observations,
    n: int,
    rng: np.random.Generator,
    ctx: SuggestContext,
    notes: list[str],
) -> list[Suggestion]:
    """The last fallback (and the rule before 2 usable points): a max-min pick."""
    picks = MaxMinStrategy().suggest(candidates, observations, n, rng, ctx)
    info: dict[str, Any] = {"fallback": "maxmin"}
    if notes:
        info["fit_warnings"] = notes
    return [Suggestion(s.location_id, name, info=dict(info)) for s in picks]


def _annotate(picks: list[Suggestion], notes: list[str], attempt: str) -> list[Suggestion]:
    """Record the numerical warnings and the fallback used in each suggestion's info."""
    if not notes and attempt == "fitted":
        return picks
    out = []
    for p in picks:
        info: dict[str, Any] = dict(p.info)
        info["fit_warnings"] = [*notes, *info.get("fit_warnings", [])]
        if attempt != "fitted":
            info["fallback"] = "fixed_hyperparameters"
        out.append(replace(p, info=info))
    return out
