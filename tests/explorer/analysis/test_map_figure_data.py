"""Library-map data are the logged measurements (checked against the event log)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.analysis.map_figure_data import labelled_measurements, library_map_data
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


def test_visit_order_numbers_and_labels(so_run: Path) -> None:
    """Measurement numbers are 1-based (measured.step + 1); about ten are labelled, always the
    first and the last."""
    run = RunData.load(so_run)
    d = library_map_data(run)
    assert d.numbers is not None
    assert d.numbers.tolist() == [m.step + 1 for m in run.log.of_type(Measured)]
    assert [i + 1 for i in labelled_measurements(100)] == [1, *range(10, 101, 10)]
    assert [i + 1 for i in labelled_measurements(37)] == [1, 5, 10, 15, 20, 25, 30, 37]
    assert labelled_measurements(3) == (0, 1, 2) and labelled_measurements(0) == ()
    assert d.colour is not None and d.colour.extend in ("neither", "min", "max", "both")
