"""Resume, plot and report refuse a run directory whose log does not account for its raw files,
or whose raw files are not the ones the log names, with one line naming the files and nothing
changed (explorer.engine.integrity)."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.engine.events import Measured, Suggested, read_events
from explorer.engine.integrity import account, verify_measured
from tests.explorer import damage as dmg
from tests.fuzzing import digest, run_cli


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dmg.finished_run(tmp_path_factory.mktemp("pristine"), points=24)


@pytest.fixture
def run(pristine: Path, tmp_path: Path) -> Path:
    return dmg.copy_run(pristine, tmp_path / "copy")


def _unchanged_resume_refusal(run: Path, *words: str) -> str:
    before = {k: v for k, v in digest([run]).items() if not k.endswith(".lock")}
    code, _, err = run_cli(["resume", str(run), "-q", "--max-points", "26"])
    assert dmg.refused(code, err), (code, err)
    assert "explorer recover" in err and all(w in err for w in words), err
    after = {k: v for k, v in digest([run]).items() if not k.endswith(".lock")}
    assert after == before, "a refused resume changed the run directory"
    return err


def test_measured_events_carry_the_raw_hash_and_their_suggestion(pristine) -> None:
    events = read_events(pristine / "events.jsonl").events
    for m in (e for e in events if isinstance(e, Measured)):
        s = events[m.suggestion_seq]
        assert isinstance(s, Suggested) and s.location_id == m.location_id
        assert len(m.raw_sha256) == 64
    assert verify_measured(pristine, events) == []
    assert account(pristine, read_events(pristine / "events.jsonl")) == []


def test_empty_log_is_refused_not_started_over(run) -> None:
    dmg.empty_log(run)
    err = _unchanged_resume_refusal(run, "events.jsonl is empty", "raw/000000.npz")
    assert "journal.jsonl records visits" in err


@pytest.mark.parametrize("line", [21, 30])
def test_log_cut_short_mid_line_is_refused(run, line) -> None:
    """Restoring an older copy of the log: raw files beyond it are not a crash tear."""
    dmg.cut_mid_line(line)(run)
    _unchanged_resume_refusal(run, "are not in events.jsonl")


def test_log_cut_at_a_line_boundary_is_refused(run) -> None:
    dmg.cut_at_line(30)(run)
    _unchanged_resume_refusal(run, "not in events.jsonl")


def test_edited_location_id_is_refused_naming_the_raw_file(run) -> None:
    dmg.edit_location_id(run)
    _unchanged_resume_refusal(run, "raw/000003.npz holds location")


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (dmg.delete_raw, "raw/000004.npz is missing"),
        (dmg.truncate_raw, "raw/000004.npz does not have the sha256 logged"),
        (dmg.swap_raw, "raw/000002.npz does not have the sha256 logged"),
    ],
    ids=["deleted", "truncated", "swapped"],
)
def test_damaged_raw_files_are_named_by_resume_plot_and_report(run, damage, words) -> None:
    damage(run)
    _unchanged_resume_refusal(run, words)
    for command in ("plot", "report"):
        code, _, err = run_cli([command, str(run)])
        assert dmg.refused(code, err) and f"{command} refused" in err, err
        assert "BadZipFile" not in err and "raw/00000" in err, err
    assert not (run / "plots").exists() and not (run / "report.html").exists()


def test_a_crash_orphan_is_still_recovered_by_resume(run, pristine) -> None:
    """The one raw file a crash may leave beyond the log (saved, its `measured` unwritten) is
    accounted for: resume recovers it instead of refusing."""
    kept = dmg.lines(run)
    last_measured = max(i for i, b in enumerate(kept) if b'"type":"measured"' in b)
    (run / "events.jsonl").write_bytes(b"".join(kept[:last_measured]))
    code, _, err = run_cli(["resume", str(run), "-q"])
    assert code == 0, err
    ids = [e.location_id for e in read_events(run / "events.jsonl").of_type(Measured)]
    want = [e.location_id for e in read_events(pristine / "events.jsonl").of_type(Measured)]
    assert ids == want
