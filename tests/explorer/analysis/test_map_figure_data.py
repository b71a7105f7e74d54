"""Library-map data are the logged measurements (checked against the event log)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.analysis.map_figure_data import library_map_data
from explorer.analysis.rundata import RunData
from explorer.engine.events import Measured


# ---- library map and traces -------------------------------------------------------------------
def test_map_data_is_the_logged_measurements(so_run: Path) -> None:
    run = RunData.load(so_run)
    d = library_map_data(run)
    measured = run.log.of_type(Measured)
    assert np.array_equal(d.x_mm, [m.x_mm for m in measured])
    assert np.array_equal(d.values, [m.objectives["loop_height"] for m in measured])
    assert d.best == int(np.nanargmax(d.values))
    assert d.label == "loop height (a.u.)"
    assert d.origins[:4] == ("design",) * 4 and set(d.origins[4:]) == {"strategy"}
    assert d.geometry.note == "" and len(d.geometry.ids) == run.started.n_candidates
