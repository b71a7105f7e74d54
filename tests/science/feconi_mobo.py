"""Issue-5 science check: how much of the Fe-Co-Ni library's true Pareto hypervolume each
multi-objective strategy reaches after 30, 60 and 100 measurements.

Data: NIST Fe-Co-Ni composition spread (external dataset `nist-combi-ternary`, read with
`scipy.io.loadmat`): C (921, 3) at.% Fe/Co/Ni, Kerr (921, 1) mrad, Coer (921, 1) mT. Objectives:
maximise the Kerr rotation, minimise the coercivity, over the 921 measured compositions (the
backtest harness serves the table's values as measurements). Model features are the Fe and Co
fractions (Ni = 1 − Fe − Co); stage positions are a nominal 50 mm ternary triangle (the wafer
coordinates are not in the file; positions only matter for travel, which no scenario uses).

Reference point: the table's nadir (smallest Kerr, largest coercivity), fixed for every scenario
and seed, so every hypervolume is comparable; the true hypervolume is that of the table's whole
front, computed by the same pymoo code (`explorer.pareto`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.library import CandidateSet
from explorer.objectives import Objective
from explorer.sweep.backtest import LookupTable, Problem

if TYPE_CHECKING:
    import pandas as pd

MAT_FILE = "FeCoNi_benchmark_dataset_220501a.mat"
SIDE_MM = 50.0


def feconi_problem(path: Path) -> Problem:
    """The Fe-Co-Ni table as a backtest problem (path: the .mat file)."""
    from scipy.io import loadmat

    d = loadmat(str(path))
    frac = np.asarray(d["C"], float) / 100.0
    xy = np.column_stack(
        [SIDE_MM * (frac[:, 1] + 0.5 * frac[:, 2]), SIDE_MM * np.sqrt(3) / 2 * frac[:, 2]]
    )
    lib = CandidateSet(np.arange(len(frac), dtype=np.int64), xy, frac[:, :2].copy(), ("Fe", "Co"))
    kerr = np.asarray(d["Kerr"], float)[:, 0]
    coer = np.asarray(d["Coer"], float)[:, 0]
    table = LookupTable(lib, {"kerr": kerr, "coercivity": coer}, source=str(path))
    objectives = (
        Objective("kerr", "scalar", "Kerr", "maximize"),
        Objective("coercivity", "scalar", "Coer", "minimize"),
    )
    ref = {"kerr": float(kerr.min()), "coercivity": float(coer.max())}
    return Problem(table, objectives, ref)


def scenarios(problem: Problem, *, n_initial: int = 10) -> dict[str, dict[str, Any]]:
    """The five strategies compared, as YAML strategy configs.

    Model-based ones start from a Sobol design of `n_initial` points; the table is
    deterministic, so EHVI/ParEGO improve on the observed front. Hyperparameters are refitted
    every 5th decision (warm-started; the GPs see every point at every decision).
    """
    ref = dict(problem.ref_point)
    gp = {"max_iter_cold": 100, "restarts": 1}

    def mobo(acq: str, **extra: Any) -> dict[str, Any]:
        then = {"kind": "mobo", "acquisition": acq, "ref_point": ref, "gp": gp, "refit_every": 5}
        return {
            "kind": "two_phase",
            "initial": {"kind": "sobol", "n": n_initial},
            "then": then | extra,
        }

    return {
        "ehvi": mobo("ehvi", incumbent="observed"),
        "parego": mobo("parego", incumbent="observed"),
        "nehvi": mobo("log_nehvi", mc_samples=64),
        "random": {"kind": "random"},
        "sobol": {"kind": "sobol"},
    }


def format_table(summary: pd.DataFrame, steps: tuple[int, ...], n_seeds: int) -> str:
    """Median [IQR] of the fraction of the true hypervolume, one row per scenario."""
    head = f"{'strategy':<10}" + "".join(f"{f'after {s}':>24}" for s in steps)
    lines = [
        f"Fe-Co-Ni (921 compositions; max Kerr, min coercivity): fraction of the true front's "
        f"hypervolume, median [q25, q75] over {n_seeds} seeds",
        head,
    ]
    for name, row in summary.iterrows():
        cells = [
            f"{row[('median', s)]:.3f} [{row[('q25', s)]:.3f}, {row[('q75', s)]:.3f}]"
            for s in steps
        ]
        lines.append(f"{name!s:<10}" + "".join(f"{c:>24}" for c in cells))
    return "\n".join(lines)
