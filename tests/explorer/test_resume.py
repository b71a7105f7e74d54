"""SIGKILL a real `explorer run` process at several points, resume it, and check that the
measured sequence equals an uninterrupted run with the same seed, that nothing is measured
twice and that the log parses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explorer.cli import main
from explorer.events import Measured, RunResumed, read_events
from tests.conftest import REPO

GP_STRATEGY = {
    "kind": "two_phase",
    "initial": {"kind": "sobol", "n": 3},
    "then": {"kind": "gp_bo", "acquisition": "ucb", "gp": {"max_iter_cold": 60, "restarts": 0}},
}


def _sequence(run: Path) -> list[int]:
    return [
        e.location_id for e in read_events(run / "events.jsonl").events if isinstance(e, Measured)
    ]


def _values(run: Path) -> list[float]:
    return [
        e.objectives["loop_height"]
        for e in read_events(run / "events.jsonl").events
        if isinstance(e, Measured)
    ]


def _only_run(out: Path) -> Path:
    (run,) = [p for p in out.iterdir() if p.is_dir() and not p.is_symlink()]
    return run


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, list[int], list[float]]:
    import yaml

    from tests.conftest import BASE_CONFIG

    tmp = tmp_path_factory.mktemp("ref")
    cfg = dict(
        BASE_CONFIG, strategy=GP_STRATEGY, stop={"max_points": 9}, output={"dir": str(tmp / "runs")}
    )
    path = tmp / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["run", str(path), "-q"]) == 0
    run = _only_run(tmp / "runs")
    return path, _sequence(run), _values(run)


@pytest.mark.parametrize(
    ("mode", "n"),
    [("after", 1), ("after", 6), ("after", 11), ("torn", 8), ("torn", 13), ("raw", 4)],
)
def test_sigkill_then_resume_matches_uninterrupted(reference, tmp_path, mode, n) -> None:
    path, ref_ids, ref_values = reference
    out = tmp_path / "runs"
    cmd = [
        sys.executable,
        "-m",
        "tests.explorer.kill_harness",
        mode,
        str(n),
        "--",
        "run",
        str(path),
        "-q",
        "--out",
        str(out),
    ]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == -9, proc.stderr
    run = _only_run(out)
    before = read_events(run / "events.jsonl")
    assert (before.torn_tail is not None) == (mode == "torn")
    assert main(["resume", str(run), "-q"]) == 0
    after = read_events(run / "events.jsonl")
    assert after.torn_tail is None
    ids = _sequence(run)
    assert ids == ref_ids
    assert len(set(ids)) == len(ids)
    np.testing.assert_allclose(_values(run), ref_values, rtol=1e-9)
    resumed = [e for e in after.events if isinstance(e, RunResumed)]
    assert len(resumed) == 1
    if mode == "torn":
        assert resumed[0].torn_line is not None
        assert list(run.glob("events.torn-*.txt"))
    assert not list((run / "raw").glob(".*tmp*")) or mode == "raw"


def test_resume_finished_run_with_more_points(reference, tmp_path) -> None:
    path, ref_ids, _ = reference
    out = tmp_path / "runs"
    assert main(["run", str(path), "-q", "--out", str(out), "--max-points", "5"]) == 0
    run = _only_run(out)
    assert main(["resume", str(run), "-q", "--max-points", "9"]) == 0
    assert _sequence(run) == ref_ids


def test_resume_refuses_non_run_dir(tmp_path, capsys) -> None:
    assert main(["resume", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err
