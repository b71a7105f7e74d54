"""Thread pools of the numeric libraries, set once per process (bench runs, sweep workers).

torch (intra-op OpenMP), the BLAS under numpy/scipy (OpenBLAS/MKL, via threadpoolctl) and any
library imported later (through the *_NUM_THREADS variables) get the same count. torch is only
touched if it is already imported, so a random-strategy sweep never pays for importing it.
"""

from __future__ import annotations

import os
import sys

_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def limit_threads(n: int) -> None:
    """Use at most n threads in every numeric library of this process (n >= 1)."""
    if n < 1:
        raise ValueError(f"thread count must be >= 1, got {n}")
    for var in _ENV:
        os.environ[var] = str(n)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(n)
    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    threadpool_limits(n)


def current_threads() -> dict[str, int]:
    """What each pool uses now (for benchmark metadata)."""
    from threadpoolctl import threadpool_info  # noqa: PLC0415

    out = {f"{p['internal_api']}:{p['prefix']}": int(p["num_threads"]) for p in threadpool_info()}
    torch = sys.modules.get("torch")
    if torch is not None:
        out["torch"] = int(torch.get_num_threads())
    return out
