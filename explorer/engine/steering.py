"""What steering does to a campaign: the weights a strategy exposes, and the state that the
`steered` events of a log add up to (so a resumed run continues with the same vetoes, approvals
and weights).

A *weight* is a float field of the strategy dataclass (or of a dataclass nested in it, e.g.
novelty's `options.exploration_weight`, or a two-phase strategy's `then.beta`) whose name is in
WEIGHT_NAMES; it is addressed by its dotted path.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from explorer.engine.events import Event, Steered

WEIGHT_NAMES = frozenset({"beta", "xi", "rho", "exploration_weight"})
_MAX_DEPTH = 4


def strategy_weights(strategy: Any) -> dict[str, float]:
    """Every tunable weight of a strategy, dotted path -> current value."""
    out: dict[str, float] = {}
    _collect(strategy, "", out, 0)
    return out


def _collect(obj: Any, prefix: str, out: dict[str, float], depth: int) -> None:
    if depth > _MAX_DEPTH or not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        path = prefix + f.name
        number = isinstance(value, float | int) and not isinstance(value, bool)
        if f.name in WEIGHT_NAMES and number:
            out[path] = float(value)
        else:
            _collect(value, path + ".", out, depth + 1)


def weight_problem(strategy: Any, path: str, value: float) -> str | None:
    """Why `path = value` cannot be applied to `strategy`, or None."""
    weights = strategy_weights(strategy)
    if path not in weights:
        known = ", ".join(sorted(weights)) or "none"
        return f"strategy has no weight {path!r} (its weights: {known})"
    if not math.isfinite(value) or value < 0:
        return f"weight {path} must be a finite number >= 0, got {value}"
    return None


def with_weight(strategy: Any, path: str, value: float) -> Any:
    """A copy of the (frozen) strategy with one weight replaced."""
    head, _, rest = path.partition(".")
    if not rest:
        return dataclasses.replace(strategy, **{head: float(value)})
    inner = with_weight(getattr(strategy, head), rest, value)
    return dataclasses.replace(strategy, **{head: inner})


@dataclass(frozen=True)
class SteeringReplay:
    """What the `steered` events of a log add up to."""

    consumed: int = 0  # control.txt lines taken
    vetoed: frozenset[int] = frozenset()
    approved: frozenset[int] = frozenset()
    weights: tuple[tuple[str, float], ...] = ()  # in the order they were set
    paused: bool = False


def replay_steering(events: Sequence[Event]) -> SteeringReplay:
    """Fold the accepted `steered` events, in log order."""
    consumed, paused = 0, False
    vetoed: set[int] = set()
    approved: set[int] = set()
    weights: list[tuple[str, float]] = []
    for ev in events:
        if not isinstance(ev, Steered):
            continue
        consumed = max(consumed, ev.line)
        if not ev.accepted:
            continue
        if ev.action == "veto" and ev.location_id is not None:
            vetoed.add(ev.location_id)
        elif ev.action == "approve" and ev.location_id is not None:
            approved.add(ev.location_id)
        elif ev.action == "weight" and ev.value is not None:
            weights.append((ev.name, ev.value))
        elif ev.action in ("pause", "resume"):
            paused = ev.action == "pause"
    return SteeringReplay(consumed, frozenset(vetoed), frozenset(approved), tuple(weights), paused)
