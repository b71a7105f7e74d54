"""Pareto-front and hypervolume data against the logged fronts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.analysis.front_figure_data import choose_snapshots, hypervolume_data, pareto_data
from explorer.analysis.rundata import RunData
from explorer.pareto import non_dominated_mask


# ---- Pareto fronts and hypervolume ------------------------------------------------------------
def test_pareto_data_final_front_is_the_logged_front(mo_run: Path) -> None:
    run = RunData.load(mo_run)
    d = pareto_data(run)
    assert d.final is not None and d.final.n_measured == len(run.measured)
    assert list(d.final.ids) == run.fronts[-1].front_ids
    internal = d.values * np.array([1.0, -1.0])
    expected = set(run.location_ids[non_dominated_mask(internal)].tolist())
    assert set(d.final.ids) == expected
    assert d.ref_source == "derived"
    assert d.ref is not None and d.ref[0] < np.nanmin(d.values[:, 0])  # worse than all
    assert d.ref[1] > np.nanmax(d.values[:, 1])
    assert choose_snapshots(10, 4) == [0, 3, 6, 9] and choose_snapshots(2, 4) == [0, 1]


def test_hypervolume_logged_versus_recomputed(synthetic_run: Path, mo_run: Path) -> None:
    logged = hypervolume_data(RunData.load(synthetic_run))
    assert not logged.recomputed and logged.ref.source == "logged"
    assert logged.unit == "a.u.·V"
    fronts = RunData.load(synthetic_run).fronts
    assert np.allclose(logged.hypervolume, [f.hypervolume for f in fronts])
    derived = hypervolume_data(RunData.load(mo_run))
    assert derived.recomputed and derived.ref.source == "derived"
    assert np.all(np.diff(derived.hypervolume) >= -1e-12) and derived.hypervolume[-1] > 0


def test_pareto_needs_two_objectives(so_run: Path) -> None:
    with pytest.raises(ValueError, match="two objectives"):
        pareto_data(RunData.load(so_run))
