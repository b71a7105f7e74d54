"""Memory peaks: traced and RSS peaks see numpy allocations."""

from __future__ import annotations

import numpy as np

from explorer.bench.memory import measure


def test_memory_sees_numpy_allocations() -> None:
    result, seconds, peak = measure(lambda: float(np.ones(8_000_000).sum()), trace=True)
    assert result == 8_000_000 and seconds > 0
    assert peak.traced_peak_mb is not None and peak.traced_peak_mb > 55
    if peak.exact:
        assert peak.rss_delta_mb > 40
