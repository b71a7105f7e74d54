"""`explorer recover`: lost log entries rebuilt from raw files, everything else moved aside (never
deleted), and the run then resumes to the end it would have reached."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.engine.events import Measured, Recovered, read_events
from tests.explorer import damage as dmg
from tests.fuzzing import run_cli


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dmg.finished_run(tmp_path_factory.mktemp("pristine"), points=12)


@pytest.fixture
def run(pristine: Path, tmp_path: Path) -> Path:
    return dmg.copy_run(pristine, tmp_path / "copy")


def _measured(run: Path) -> list[tuple[int, dict[str, float | None], str]]:
    return [
        (e.location_id, e.objectives, e.raw_sha256)
        for e in read_events(run / "events.jsonl").of_type(Measured)
    ]


@pytest.mark.parametrize(
    "damage",
    [dmg.empty_log, dmg.cut_mid_line(9), dmg.cut_at_line(14)],
    ids=["empty", "cut-mid-line", "cut-at-line"],
)
def test_recover_rebuilds_the_lost_measurements_exactly(run, pristine, damage) -> None:
    before = dmg.npz_digests(run)
    damage(run)
    code, out, err = run_cli(["recover", str(run)])
    assert code == 0, err
    assert "rebuilt" in out and "explorer resume" in out
    assert _measured(run) == _measured(pristine)  # same ids, values and hashes
    assert dmg.npz_digests(run) == before
    (rec,) = read_events(run / "events.jsonl").of_type(Recovered)
    assert rec.rebuilt and not rec.moved_aside
    code, _, err = run_cli(["resume", str(run), "-q", "--max-points", "14"])
    assert code == 0, err
    assert len(_measured(run)) == 14 and len({m[0] for m in _measured(run)}) == 14
    assert dmg.npz_digests(run) >= before  # the first 12 raw files untouched


def test_recover_moves_aside_what_it_cannot_account_for(run) -> None:
    """A gap in the unlogged raw files: those after it cannot be placed in order, so they go
    to unaccounted-*/ with their bytes, and a damaged logged raw file is listed as lost."""
    before = dmg.npz_digests(run)
    dmg.cut_at_line(10)(run)
    n_logged = len(_measured(run))
    gap = run / "raw" / f"{n_logged + 1:06d}.npz"
    data = gap.read_bytes()
    gap.unlink()
    code, _, err = run_cli(["recover", str(run)])
    assert code == 0, err
    (rec,) = read_events(run / "events.jsonl").of_type(Recovered)
    assert len(rec.rebuilt) == 1 and rec.moved_aside, rec
    aside = run / rec.aside_dir
    assert all((aside / p).is_file() for p in rec.moved_aside)
    assert sum(dmg.npz_digests(run).values()) == sum(before.values()) - 1
    assert len(data) > 0
    code, _, err = run_cli(["resume", str(run), "-q", "--max-points", "14"])
    assert code == 0, err


def test_recover_lists_damaged_raw_files_as_lost_and_keeps_them(run) -> None:
    dmg.truncate_raw(run)
    before = dmg.npz_digests(run)
    code, _, err = run_cli(["recover", str(run)])
    assert code == 0, err
    (rec,) = read_events(run / "events.jsonl").of_type(Recovered)
    assert rec.raw_lost == ["raw/000004.npz"] and rec.moved_aside == ["raw/000004.npz"]
    assert dmg.npz_digests(run) == before
    for command in (["plot", str(run)], ["report", str(run)]):
        code, _, err = run_cli(command)
        assert code == 0, err
    code, _, err = run_cli(["resume", str(run), "-q", "--max-points", "13"])
    assert code == 0, err


def test_recover_refuses_a_log_that_contradicts_intact_raw_files(run) -> None:
    dmg.edit_location_id(run)
    before = dmg.npz_digests(run)
    log = (run / "events.jsonl").read_bytes()
    code, _, err = run_cli(["recover", str(run)])
    assert dmg.refused(code, err) and "restore events.jsonl" in err, err
    assert (run / "events.jsonl").read_bytes() == log and dmg.npz_digests(run) == before


def test_recover_on_a_consistent_run_changes_nothing(run) -> None:
    log = (run / "events.jsonl").read_bytes()
    code, out, _ = run_cli(["recover", str(run)])
    assert code == 0 and "nothing to recover" in out
    assert (run / "events.jsonl").read_bytes() == log
