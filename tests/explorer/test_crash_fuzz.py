"""Long crash-consistency run (make check-reliability): seeded random SIGKILL chains.

Each chain starts a campaign in a forked child that is killed at a random write (an event
line, a raw file or a hardware-journal record; after it or torn half-way), resumes it in a
child killed at another random write, up to four times, then resumes to the end, and checks
the result against an uninterrupted run with the same seed (tests/explorer/crash_checks.py).
Runs on the simulator and on the Zaber emulator (the full lab stack with the real driver).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.explorer.crash_checks import (
    kill_chain,
    reference_run,
    sim_config,
    verify,
    writes_so_far,
    zaber_config,
)
from tests.explorer.kill_harness import KillPoint, random_kill
from tests.reliability_summary import record

CHAINS = {"sim": 14, "zaber": 10}
MAX_KILLS_PER_CHAIN = 4


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("refs")
    return {
        "sim": reference_run(sim_config(tmp / "sim"), tmp),
        "zaber": reference_run(zaber_config(tmp / "zaber", "fuzz-ref"), tmp),
    }


@pytest.mark.reliability
@pytest.mark.parametrize(("stack", "seed"), [(s, k) for s, n in CHAINS.items() for k in range(n)])
def test_random_kill_chain(references, tmp_path, stack, seed) -> None:
    ref = references[stack]
    rng = np.random.default_rng([11, seed, stack == "zaber"])
    n_kills = int(rng.integers(1, MAX_KILLS_PER_CHAIN + 1))
    drawn: list[KillPoint] = []

    def next_kill(run):  # type: ignore[no-untyped-def]
        if len(drawn) == n_kills:
            return None
        done = writes_so_far(run)
        remaining = {k: max(1, ref.totals[k] - done[k]) for k in ref.totals}
        drawn.append(random_kill(rng, remaining))
        return drawn[-1]

    result = kill_chain(ref, tmp_path / "runs", next_kill)
    verify(result.run_dir, ref)
    record("kill", f"{stack}: kill points tried", len(drawn))
    record("kill", f"{stack}: kill points reached (SIGKILL fired)", len(result.fired))
    record("kill", f"{stack}: kill points survived (verified)", len(result.fired))
    record("kill", f"{stack}: runs ended before the kill point", len(result.missed))
    for point in result.fired:
        record("kill", f"{stack}: fired at {point.target}{' (torn)' if point.torn else ''}")
    print(f"{stack} seed {seed}: fired {[str(p) for p in result.fired]}, missed {result.missed}")
