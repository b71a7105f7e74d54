"""Restoring a campaign from a run directory's config and events (explorer.engine.restore)."""

import numpy as np

from explorer.cli import main
from explorer.engine.events import Measured, Suggested, read_events
from explorer.engine.restore import restore_run


def test_restore_run_reproduces_state_and_next_decision(make_config, write_yaml, tmp_path) -> None:
    strategy = {
        "kind": "two_phase",
        "initial": {"kind": "sobol", "n": 3},
        "then": {"kind": "gp_bo", "gp": {"max_iter_cold": 40, "restarts": 0}},
    }
    path = write_yaml(make_config(strategy=strategy, stop={"max_points": 6}, batch_size=2))
    assert main(["run", str(path), "-q"]) == 0
    (run,) = [p for p in (tmp_path / "runs").iterdir() if not p.is_symlink()]
    events = read_events(run / "events.jsonl").events
    measured = [e for e in events if isinstance(e, Measured)]
    c = restore_run(run)
    assert c.observations.ids.tolist() == [m.location_id for m in measured]
    last_state = [e.model_state for e in events if isinstance(e, Suggested) and e.model_state][-1]
    assert c.warm_start == last_state
    batches = [e.batch_index for e in events if isinstance(e, Suggested)]
    assert max(batches) == 1  # batch_size 2 -> two suggestions per decision
    again = restore_run(run)
    assert [s.location_id for s in c.ask(2)] == [s.location_id for s in again.ask(2)]
    assert np.isfinite(c.observations.Y).all()
