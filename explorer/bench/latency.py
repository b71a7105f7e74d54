"""Decision latency: time to produce one suggestion (model fit + acquisition over every remaining
candidate), this project's strategies next to BoTorch's and scikit-optimize's recipes, on the
same `LatencyProblem` in the same process.

Methods are called through the Strategy protocol with identical candidates, observations, rng
seed and context. A warm method first decides the previous step (not timed) and is then timed
with that step's `model_state` as `ctx.warm_start`, exactly as a campaign runs it. Repeats are
interleaved across methods (method A, B, C, A, B, C, ...), so load on a shared machine hits all
of them alike; the median is reported and ratios are taken between methods of the same case.

Extension point: `METHODS` is the one registry. `explorer bench latency --objectives 2` times
this project's `mobo` (closed-form EHVI, warm-started) against `botorch_nehvi` (qLogNEHVI).
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

import numpy as np

from explorer.bench.memory import MemoryPeak, measure
from explorer.bench.problems import LatencyProblem, make_problem
from explorer.heavy_modules import heavy
from explorer.strategies.base import Strategy, SuggestContext
from explorer.strategies.skopt_strategy import SkoptStrategy

#: a call slower than this is not repeated (one timing is enough to rank it)
SLOW_S = 20.0


def _gp_bo() -> Strategy:
    GPBOStrategy = heavy("explorer.strategies.gp_bo", "GPBOStrategy")

    return GPBOStrategy("log_ei")


def _botorch() -> Strategy:
    BotorchStrategy = heavy("explorer.strategies.botorch_recipe", "BotorchStrategy")

    return BotorchStrategy()


def _botorch_nehvi() -> Strategy:
    BotorchNEHVIStrategy = heavy("explorer.strategies.botorch_recipe", "BotorchNEHVIStrategy")

    return BotorchNEHVIStrategy()


def _mobo() -> Strategy:
    MOBOStrategy = heavy("explorer.strategies.mobo", "MOBOStrategy")

    return MOBOStrategy("ehvi")


def _skopt() -> Strategy:
    return SkoptStrategy("EI")


@dataclass(frozen=True)
class Method:
    """One way of making a decision.

    Attributes:
        name: registry key (CLI `--methods`).
        label: table heading.
        n_objectives: how many objectives it optimises.
        make: builds the strategy.
        warm: decide the previous step first and warm-start from its model_state.
        ours: this project's method, the denominator of the ratios.
    """

    name: str
    label: str
    n_objectives: int
    make: Callable[[], Strategy]
    warm: bool = False
    ours: bool = False


METHODS: dict[str, Method] = {
    "gp_bo": Method("gp_bo", "gp_bo", 1, _gp_bo, warm=True, ours=True),
    "gp_bo_cold": Method("gp_bo_cold", "gp_bo cold", 1, _gp_bo),
    "botorch": Method("botorch", "BoTorch", 1, _botorch),
    "skopt": Method("skopt", "skopt", 1, _skopt),
    "mobo": Method("mobo", "mobo (EHVI)", 2, _mobo, warm=True, ours=True),
    "botorch_nehvi": Method("botorch_nehvi", "BoTorch qLogNEHVI", 2, _botorch_nehvi),
}


@dataclass(frozen=True)
class Case:
    d: int
    n_obs: int
    n_candidates: int
    n_objectives: int = 1


@dataclass(frozen=True)
class Timing:
    """One method on one case.

    Attributes:
        seconds: every timed call (median is the headline); empty when skipped.
        memory: peaks of the traced call (or of the untraced calls when tracing was off).
        location_id: what it chose (identical inputs: useful to see who agrees with whom).
        skipped: why it was not run.
    """

    case: Case
    method: str
    seconds: tuple[float, ...] = ()
    memory: MemoryPeak | None = None
    location_id: int | None = None
    skipped: str | None = None

    @property
    def median_s(self) -> float | None:
        return float(np.median(self.seconds)) if self.seconds else None


@dataclass(frozen=True)
class LatencySettings:
    dims: tuple[int, ...] = (2, 3)
    n_obs: tuple[int, ...] = (50, 200, 500, 1000, 2000)
    n_candidates: int = 10_000
    n_objectives: int = 1
    methods: tuple[str, ...] = ("gp_bo", "gp_bo_cold", "botorch", "skopt")
    repeats: int = 3
    trace: bool = True
    seed: int = 0
    limits: Mapping[str, int] = field(default_factory=dict)  # method -> max n_obs

    def cases(self) -> list[Case]:
        return [
            Case(d, n, self.n_candidates, self.n_objectives) for d in self.dims for n in self.n_obs
        ]


def _context(problem: LatencyProblem, obs_step: int, warm: Mapping[str, Any]) -> SuggestContext:
    return SuggestContext(seed=11, step=obs_step, warm_start=warm, budget=None)


def _decide(strategy: Strategy, problem: LatencyProblem, warm: Mapping[str, Any]) -> int:
    ctx = _context(problem, problem.n_obs, warm)
    rng = np.random.default_rng(problem.n_obs)
    (s,) = strategy.suggest(problem.candidates, problem.observations, 1, rng, ctx)
    return s.location_id


def _warm_state(method: Method, strategy: Strategy, problem: LatencyProblem) -> Mapping[str, Any]:
    if not method.warm:
        return {}
    ctx = _context(problem, problem.n_obs - 1, {})
    rng = np.random.default_rng(problem.n_obs - 1)
    (s,) = strategy.suggest(problem.candidates, problem.previous, 1, rng, ctx)
    return s.model_state


def time_case(
    case: Case,
    methods: Iterable[Method],
    settings: LatencySettings,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Timing]:
    """Time every method on one case (interleaved repeats, then one traced call each)."""
    problem = make_problem(
        case.n_obs, case.n_candidates, case.d, n_objectives=case.n_objectives, seed=settings.seed
    )
    active: dict[str, tuple[Method, Strategy, Mapping[str, Any]]] = {}
    out: dict[str, Timing] = {}
    for m in methods:
        limit = settings.limits.get(m.name)
        if limit is not None and case.n_obs > limit:
            out[m.name] = Timing(case, m.name, skipped=f"n_obs > --limit {m.name}={limit}")
            continue
        strategy = m.make()
        active[m.name] = (m, strategy, _warm_state(m, strategy, problem))
    seconds: dict[str, list[float]] = {k: [] for k in active}
    peaks: dict[str, MemoryPeak] = {}
    chosen: dict[str, int] = {}
    for _ in range(settings.repeats):
        for name, (_m, strategy, warm) in active.items():
            if seconds[name] and seconds[name][0] > SLOW_S:
                continue
            progress(f"d={case.d} n={case.n_obs} {name}")
            lid, s, peak = measure(partial(_decide, strategy, problem, warm), trace=False)
            seconds[name].append(s)
            chosen[name] = lid
            if name not in peaks or peak.rss_peak_mb > peaks[name].rss_peak_mb:
                peaks[name] = peak
    if settings.trace:
        for name, (_m, strategy, warm) in active.items():
            progress(f"d={case.d} n={case.n_obs} {name} (tracemalloc)")
            _, _, traced = measure(partial(_decide, strategy, problem, warm), trace=True)
            rss = peaks[name]
            peaks[name] = MemoryPeak(
                max(rss.rss_peak_mb, traced.rss_peak_mb),
                max(rss.rss_delta_mb, traced.rss_delta_mb),
                traced.traced_peak_mb,
                rss.exact,
            )
    for name in active:
        out[name] = Timing(case, name, tuple(seconds[name]), peaks.get(name), chosen.get(name))
    return [out[m.name] for m in methods if m.name in out]


def warm_up(methods: Iterable[Method], n_objectives: int) -> None:
    """One untimed decision per method on a tiny problem, so that lazy imports (BoTorch,
    scikit-optimize) and first-call initialisation are not charged to the first case."""
    problem = make_problem(12, 40, 2, n_objectives=n_objectives, seed=12345)
    for m in methods:
        _decide(m.make(), problem, {})


def run_latency(
    settings: LatencySettings, progress: Callable[[str], None] = lambda _: None
) -> list[Timing]:
    """Every case of the settings; methods must all optimise settings.n_objectives objectives."""
    methods = [METHODS[name] for name in settings.methods]
    progress("warm-up (imports)")
    warm_up(methods, settings.n_objectives)
    return [t for case in settings.cases() for t in time_case(case, methods, settings, progress)]


def to_json(
    settings: LatencySettings, timings: list[Timing], meta: Mapping[str, Any]
) -> dict[str, Any]:
    """A JSON-able record: settings, machine metadata, every timing and the ratios."""
    return {
        "settings": {**asdict(settings), "limits": dict(settings.limits)},
        "machine": {"platform": platform.platform(), "python": platform.python_version(), **meta},
        "timings": [
            {
                **asdict(t.case),
                "method": t.method,
                "seconds": list(t.seconds),
                "median_s": t.median_s,
                "memory": asdict(t.memory) if t.memory else None,
                "location_id": t.location_id,
                "skipped": t.skipped,
            }
            for t in timings
        ],
        "ratios": [asdict(r) for r in ratios(timings)],
    }


@dataclass(frozen=True)
class Ratio:
    """How many times slower `method` was than this project's method on one case."""

    d: int
    n_obs: int
    method: str
    ours: str
    ratio: float


def ratios(timings: list[Timing]) -> list[Ratio]:
    out = []
    by_case: dict[Case, list[Timing]] = {}
    for t in timings:
        by_case.setdefault(t.case, []).append(t)
    for case, ts in by_case.items():
        ours = [t for t in ts if METHODS[t.method].ours and t.median_s]
        if not ours:
            continue
        base = ours[0]
        assert base.median_s is not None
        for t in ts:
            if t is not base and t.median_s is not None:
                out.append(
                    Ratio(case.d, case.n_obs, t.method, base.method, t.median_s / base.median_s)
                )
    return out
