"""`validate`, `run` and `resume` foresee run-time faults of the simulator and the stage path:
one line naming the key and the fix, exit code 2, no run directory, nothing moved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from explorer.cli import main
from explorer.config import parse_config
from explorer.config.foresight import farthest_pair

TERNARY = {"kind": "ternary", "elements": ["Al", "Sc", "B"]}


def alscbn(x0: float, y0: float, **instrument: Any) -> dict[str, Any]:
    """A small ternary library with its lower-left corner at (x0, y0) under the alscbn sample."""
    corners = [[x0, y0], [x0 + 10.0, y0], [x0 + 5.0, y0 + 8.66]]
    return {
        "library": {
            "kind": "grid",
            "x_mm": [x0, x0 + 10.0],
            "y_mm": [y0, y0 + 8.66],
            "shape": [11, 9],
            "composition": {**TERNARY, "corners_mm": corners},
        },
        "instrument": {
            "kind": "sim",
            "sample": "alscbn",
            "sspfm": {"v_max": 80.0},
            "amplifier_v": 150.0,
            "safety": {"bias_limit_v": 100.0},
            **instrument,
        },
        "objectives": [{"name": "loop_area", "from": "sspfm", "metric": "loop_area"}],
    }


def refused(main_args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the CLI, expect exit 2 and exactly one error line; return it."""
    assert main(main_args) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_ternary_library_off_the_simulated_wafer(make_config, write_yaml, tmp_path, capsys):
    path = write_yaml(make_config(**alscbn(0.0, 0.0)))
    line = refused(["validate", str(path)], capsys)
    assert line == (
        "error: library: 47 of 47 locations lie off the simulated alscbn sample (its film is the "
        "circle of radius 12.7 mm centred at (25, 25) mm), e.g. location 0 at (0.00, 0.00) mm, "
        "where an approach finds no surface; move library.x_mm / y_mm onto the film (or "
        "library.outline to match it)"
    )
    assert refused(["run", str(path), "-q"], capsys) == line
    assert not (tmp_path / "runs").exists()  # nothing created, nothing moved


def test_library_over_a_clamp_of_the_simulated_wafer(make_config, write_yaml, capsys) -> None:
    path = write_yaml(make_config(**alscbn(11.0, 21.0)))  # the clamp at 9 o'clock
    assert main(["validate", str(path)]) == 2
    off, line = capsys.readouterr().err.strip().splitlines()  # one line per problem
    assert off.startswith("error: library: 3 of 47 locations lie off the simulated alscbn")
    assert "lie on a clamp or contact pad of the simulated alscbn sample" in line
    assert "rectangle x [11.3, 14.8] mm, y [23.0, 27.0] mm" in line
    assert line.endswith("add that region to library.keep_out")


def test_library_on_the_wafer_passes(make_config, write_yaml, capsys) -> None:
    path = write_yaml(make_config(**alscbn(20.0, 15.0)))
    assert main(["validate", str(path)]) == 0, capsys.readouterr().err


def test_first_move_from_home_is_planned_in_legs(make_config, write_yaml, tmp_path) -> None:
    """36 mm from home with max_step_mm 15: validate passes, the run drives three legs."""
    cfg = make_config(**alscbn(20.0, 15.0), stop={"max_points": 1})
    assert main(["run", str(write_yaml(cfg)), "-q"]) == 0
    journal = next((tmp_path / "runs").glob("test-campaign-*/journal.jsonl")).read_text()
    assert journal.count('"kind": "plan"') == 1


def test_first_move_leaving_the_controller_limits(make_config, write_yaml, capsys) -> None:
    limits = {"x_mm": [18.0, 32.0], "y_mm": [13.0, 26.0]}
    cfg = make_config(**alscbn(20.0, 15.0))
    cfg["instrument"]["safety"]["soft_limits"] = limits
    line = refused(["validate", str(write_yaml(cfg))], capsys)
    assert line.startswith("error: instrument.safety.max_step_mm: the first move from home")
    assert "outside the controller limits x [18.0, 32.0], y [13.0, 26.0] mm" in line
    assert line.endswith("widen safety.soft_limits towards home or raise max_step_mm")


def test_library_wider_than_max_step(make_config, write_yaml, capsys) -> None:
    cfg = make_config()  # 8 mm x 1 mm smbfo library
    cfg["instrument"]["safety"] = {"max_step_mm": 5.0}
    line = refused(["validate", str(write_yaml(cfg))], capsys)
    assert line == (
        "error: instrument.safety.max_step_mm: 5 mm is shorter than the 8.06 mm between "
        "locations 0 (0.00, 0.00) and 50 (8.00, 1.00) mm, so a move between them would be "
        "refused mid-run; raise safety.max_step_mm to at least 8.1 or shrink the library"
    )


def test_partial_safety_block_names_the_limit_it_changes(make_config, write_yaml, capsys):
    cfg = make_config(**alscbn(20.0, 15.0))
    cfg["instrument"]["safety"] = {"max_step_mm": 40.0}  # bias_limit_v left out
    line = refused(["validate", str(write_yaml(cfg))], capsys)
    assert line.endswith(
        "instrument: safety.bias_limit_v: not given, so the partial safety block sets it to "
        "10.0 where it would be 80.0 without the block; write bias_limit_v: 80.0 (or the value "
        "you want) into instrument.safety"
    )


def test_partial_safety_block_that_changes_nothing_passes(make_config) -> None:
    cfg = make_config()
    cfg["instrument"]["safety"] = {"max_step_mm": 20.0}  # v_max 10 V: the bias limit is 10 V
    parse_config(cfg)


def test_resume_of_a_run_that_faulted_is_refused(
    make_config, write_yaml, tmp_path, capsys, monkeypatch
) -> None:
    """A run made before these checks (they are switched off here) faulted off the wafer;
    resuming it is refused before anything moves and leaves its logs untouched."""
    import explorer.engine.build

    monkeypatch.setattr(explorer.engine.build, "foresee", lambda instrument, library: None)
    path = write_yaml(make_config(**alscbn(0.0, 0.0)))
    assert main(["run", str(path), "-q"]) != 0
    (run,) = (tmp_path / "runs").glob("test-campaign-*")
    monkeypatch.undo()
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    capsys.readouterr()
    line = refused(["resume", str(run), "-q"], capsys)
    assert "lie off the simulated alscbn sample" in line
    after = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    assert after == before


def test_farthest_pair_collinear_and_single() -> None:
    line = np.column_stack([np.linspace(0, 4, 5), np.zeros(5)])
    assert farthest_pair(line)[1] == pytest.approx(4.0)
    assert farthest_pair(np.array([[1.0, 1.0]])) == ((0, 0), 0.0)
    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 10, (200, 2))
    brute = np.max(np.linalg.norm(pts[:, None] - pts[None], axis=-1))
    assert farthest_pair(pts)[1] == pytest.approx(brute)


def test_campaigns_still_validate() -> None:
    from explorer.config import load_config
    from explorer.engine.build import validate_deep
    from tests.conftest import CAMPAIGNS

    for name in ("alscbn-sim.yaml", "alscbn-mobo.yaml", "smbfo-zaber-emulated.yaml"):
        validate_deep(load_config(Path(CAMPAIGNS / name)))
