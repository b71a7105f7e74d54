"""The campaign's recommendation as the runner logs it (explorer.engine.recommendations)."""

from __future__ import annotations

import numpy as np

from explorer.cli import main
from explorer.engine.events import Measured, read_events
from explorer.engine.recommendations import campaign_data
from explorer.engine.restore import restore_run


def test_campaign_data_gives_library_positions_not_where_the_stage_settled(
    make_config, write_yaml, tmp_path
) -> None:
    strategy = {
        "kind": "two_phase",
        "initial": {"kind": "sobol", "n": 3},
        "then": {"kind": "gp_bo", "gp": {"max_iter_cold": 40, "restarts": 0}},
    }
    path = write_yaml(make_config(strategy=strategy, stop={"max_points": 4}))
    assert main(["run", str(path), "-q"]) == 0
    (run,) = [p for p in (tmp_path / "runs").iterdir() if not p.is_symlink()]
    campaign = restore_run(run)
    data = campaign_data(campaign)
    measured = [e for e in read_events(run / "events.jsonl").events if isinstance(e, Measured)]
    assert data.ids.tolist() == [m.location_id for m in measured]
    nominal = np.array([campaign.library.position_of(int(i)) for i in data.ids])
    np.testing.assert_array_equal(data.xy_mm, nominal)
    assert data.X.shape == (4, campaign.library.dim)
