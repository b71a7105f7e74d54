"""The first move of a session through the real Zaber ASCII driver over the emulator, from a
campaign: planned in legs from home, journaled, every leg on the wire."""

from __future__ import annotations


def test_zaber_driver_drives_the_first_move_in_legs(tmp_path) -> None:
    """The real Zaber ASCII driver over the emulator: a library 30 mm from home, max_step_mm
    12 mm: validate passes, the first move is three `move abs` pairs, later moves are single."""
    import json

    import yaml

    from explorer.cli import main
    from tests.conftest import CAMPAIGNS

    cfg = yaml.safe_load((CAMPAIGNS / "smbfo-zaber-emulated.yaml").read_text())
    cfg["library"].update(x_mm=[20.0, 24.0], y_mm=[20.0, 21.0], shape=[9, 3])
    cfg["instrument"]["stage"]["port"] = "emu://zaber?name=legs&microstep_um=0.1&travel_mm=50"
    cfg["instrument"]["safety"] = {
        "soft_limits": {"x_mm": [0.0, 30.0], "y_mm": [0.0, 30.0]},
        "bias_limit_v": 10.0,
        "max_step_mm": 12.0,
    }
    cfg["strategy"] = {"kind": "grid"}
    cfg["stop"] = {"max_points": 2}
    cfg["output"] = {"dir": str(tmp_path / "runs")}
    path = tmp_path / "legs.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["validate", str(path)]) == 0
    assert main(["run", str(path), "-q"]) == 0
    records = [
        json.loads(line)
        for line in next((tmp_path / "runs").glob("*/journal.jsonl")).read_text().splitlines()
    ]
    (plan,) = [r for r in records if r["kind"] == "plan"]
    assert len(plan["legs_mm"]) == 3 and plan["legs_mm"][-1] == [20.0, 20.0]
    moves = [r for r in records if r["kind"] == "command" and r["command"] == "move_to"]
    assert [m["args"] for m in moves[:3]] == plan["legs_mm"] and len(moves) == 4
    sent = [r for r in records if r["kind"] == "io" and "move abs" in str(r)]
    assert len(sent) >= 8  # two axes per leg and per later move, on the wire
