"""Restoring a campaign from a run directory's config and events (explorer.engine.restore)."""

import numpy as np

from explorer.cli import main
from explorer.engine.events import Measured, Suggested, WarningEvent, read_events
from explorer.engine.restore import restore_run, retired_in_run


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


def test_run_recorded_with_a_retired_key_resumes_and_says_so(make_config, write_yaml, tmp_path):
    """An earlier version recorded `gp.engine` in every GP run's config.yaml; such a run still
    resumes, the file is left as it was, and run_resumed is followed by a warning naming the key."""
    strategy = {
        "kind": "two_phase",
        "initial": {"kind": "sobol", "n": 3},
        "then": {"kind": "gp_bo", "gp": {"max_iter_cold": 40, "restarts": 0}},
    }
    path = write_yaml(make_config(strategy=strategy, stop={"max_points": 4}))
    assert main(["run", str(path), "-q"]) == 0
    (run,) = [p for p in (tmp_path / "runs").iterdir() if not p.is_symlink()]
    cfg = run / "config.yaml"
    text = cfg.read_text()
    assert "      restarts: 0\n" in text
    old = text.replace("      restarts: 0\n", "      restarts: 0\n      engine: closed_form\n", 1)
    cfg.write_text(old)
    assert [r.path for r in retired_in_run(run)] == ["strategy.then.gp.engine"]
    assert main(["resume", str(run), "--max-points", "5", "-q"]) == 0
    assert cfg.read_text() == old
    events = read_events(run / "events.jsonl").events
    warnings = [e.message for e in events if isinstance(e, WarningEvent)]
    assert any("strategy.then.gp.engine: 'closed_form' is a retired key" in w for w in warnings)
    assert len([e for e in events if isinstance(e, Measured)]) == 5
