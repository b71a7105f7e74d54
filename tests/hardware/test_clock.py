"""Clocks: SimClock advances instantly and refuses negative sleeps, from any thread; RealClock
is monotonic and starts near zero."""

from __future__ import annotations

import threading

import pytest

from hardware.clock import RealClock, SimClock


def test_sim_clock_sleep_and_advance_add_up_without_waiting() -> None:
    clock = SimClock(10.0)
    clock.sleep(3600.0)
    clock.advance(0.5)
    assert clock.now_s() == 3610.5


def test_sim_clock_refuses_a_negative_sleep_and_keeps_its_time() -> None:
    clock = SimClock(1.0)
    with pytest.raises(ValueError, match=r"negative time \(-2.0 s\)"):
        clock.sleep(-2.0)
    assert clock.now_s() == 1.0


def test_sim_clock_counts_every_sleep_from_many_threads() -> None:
    clock = SimClock()
    threads = [
        threading.Thread(target=lambda: [clock.sleep(0.25) for _ in range(400)]) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clock.now_s() == 200.0


def test_real_clock_is_monotonic_from_zero() -> None:
    clock = RealClock()
    a = clock.now_s()
    clock.sleep(-1.0)  # negative sleeps are no-ops, never errors, on real hardware
    b = clock.now_s()
    assert 0.0 <= a <= b
