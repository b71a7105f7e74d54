"""Latency targets: met, missed and unmeasured cases."""

from __future__ import annotations

from explorer.bench.latency import (
    Case,
    Timing,
)
from explorer.bench.memory import MemoryPeak
from explorer.bench.targets import check_targets


def _timing(n: int, method: str, s: float, rss: float = 900.0) -> Timing:
    return Timing(Case(2, n, 10_000), method, (s,), MemoryPeak(rss, 100.0, 1.0, True), 1)


def test_targets_met_missed_and_unmeasured() -> None:
    ts = [
        _timing(500, "gp_bo", 0.1),
        _timing(500, "botorch", 0.6),
        _timing(500, "skopt", 4.0),
        _timing(2000, "gp_bo", 2.5, rss=2000.0),
    ]
    checks = {c.name: c for c in check_targets(ts)}
    assert checks["speed-up over botorch (d=2, 500 obs)"].met is True
    assert checks["speed-up over skopt (d=2, 500 obs)"].met is False  # 40x < 50x
    big = [c for c in checks.values() if "2000" in c.name]
    assert [c.met for c in big] == [False, False]
    assert not any(c.met is None for c in checks.values())
    missing = check_targets([_timing(500, "botorch", 1.0)])
    assert [c.met for c in missing] == [None]
