"""The human gate end to end: votes.txt -> runner -> `voted` events -> campaign votes ->
the novelty strategy's vote gate; resume and replay rebuild the votes from the log."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from explorer.cli import main
from explorer.engine.events import Suggested, Voted, read_events
from explorer.engine.restore import restore_run
from explorer.engine.rundir import EVENTS_FILE
from explorer.engine.session import Session, resume, start_new
from explorer.engine.votes import (
    VOTES_FILE,
    append_vote,
    format_vote,
    parse_vote_line,
    read_new_votes,
)
from tests.conftest import CAMPAIGNS
from tests.science.phases_discovery import campaign_config


def test_parse_vote_lines() -> None:
    assert parse_vote_line(1, "  ") is None and parse_vote_line(1, "# note") is None
    e = parse_vote_line(3, "17 bad  tip artefact # really")
    assert e is not None and (e.location_id, e.vote, e.source) == (17, -1, "file")
    assert e.reason == "tip artefact # really" and e.line == 3 and e.error is None
    g = parse_vote_line(1, "id 5 GOOD via=interactive looks AFE")
    assert g is not None and (g.location_id, g.vote, g.source, g.reason) == (
        5,
        1,
        "interactive",
        "looks AFE",
    )
    plus = parse_vote_line(1, "5 +1")
    assert plus is not None and (plus.location_id, plus.vote) == (5, 1)
    bad = parse_vote_line(2, "seventeen good")
    assert bad is not None and bad.error is not None and "good|bad" in bad.error


def test_append_and_read_new_votes(tmp_path: Path) -> None:
    assert read_new_votes(tmp_path / VOTES_FILE, 0) == []
    (tmp_path / VOTES_FILE).write_text("# my votes\n3 good")  # unterminated hand edit
    append_vote(tmp_path, 4, -1, "multi\nline  reason", "interactive")
    assert (tmp_path / VOTES_FILE).read_text().splitlines()[-1] == (
        "4 bad via=interactive multi line reason"
    )
    entries = read_new_votes(tmp_path / VOTES_FILE, 0)
    assert [e.error for e in entries] == ["blank", None, None]
    assert [(e.location_id, e.vote) for e in entries[1:]] == [(3, 1), (4, -1)]
    assert read_new_votes(tmp_path / VOTES_FILE, 2)[0].location_id == 4
    with pytest.raises(ValueError, match="vote must be"):
        format_vote(1, 0)


def _run(session: Session) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            session.runner.run()
        finally:
            session.close()


def _events(run_dir: Path) -> list[object]:
    return list(read_events(run_dir / EVENTS_FILE).events)


@pytest.fixture(scope="module")
def voted_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    """A phases-novelty run: 10 points, then votes, then resumed to 13 points."""
    cfg = campaign_config(
        CAMPAIGNS / "phases-novelty.yaml", None, 5, tmp_path_factory.mktemp("runs"), 10
    )
    session = start_new(cfg)
    run_dir = session.run_dir
    _run(session)
    ids = [e.location_id for e in _events(run_dir) if type(e).__name__ == "Measured"]
    assert len(ids) == 10
    votes = run_dir / VOTES_FILE
    votes.write_text(
        f"{ids[2]} bad tip artefact\n{ids[3]} good\nnonsense line\n999999 bad\n{ids[3]} bad\n"
    )
    _run(resume(run_dir, max_points=13))
    return run_dir, ids


def test_runner_logs_votes_and_hands_them_to_the_strategy(voted_run) -> None:  # type: ignore[no-untyped-def]
    run_dir, ids = voted_run
    events = _events(run_dir)
    voted = [e for e in events if isinstance(e, Voted)]
    assert [(v.line, v.location_id, v.vote, v.accepted) for v in voted] == [
        (1, ids[2], -1, True),
        (2, ids[3], 1, True),
        (3, None, 0, False),
        (4, 999999, 0, False),
        (5, ids[3], -1, True),
    ]
    assert voted[0].reason == "tip artefact" and voted[0].source == "file"
    assert "good|bad" in voted[2].error and "not been measured" in voted[3].error
    first_vote = events.index(voted[0])
    after = [e for e in events[first_vote:] if isinstance(e, Suggested) and e.origin == "strategy"]
    before = [
        e for e in events[:first_vote] if isinstance(e, Suggested) and e.strategy == "novelty"
    ]
    assert after and all(e.info.get("gated") is True for e in after)
    assert before and all(e.info.get("gated") is False for e in before)


def test_replay_and_resume_rebuild_votes_without_rereading(voted_run) -> None:  # type: ignore[no-untyped-def]
    run_dir, ids = voted_run
    campaign = restore_run(run_dir)
    assert campaign.votes == {ids[2]: -1, ids[3]: -1}  # the later vote replaced the earlier
    n_voted = sum(isinstance(e, Voted) for e in _events(run_dir))
    append_vote(run_dir, ids[0], 1, "new")
    _run(resume(run_dir, max_points=14))
    voted = [e for e in _events(run_dir) if isinstance(e, Voted)]
    assert len(voted) == n_voted + 1 and voted[-1].location_id == ids[0] and voted[-1].line == 6
    assert restore_run(run_dir).votes == {ids[2]: -1, ids[3]: -1, ids[0]: 1}


def test_cli_vote_appends_and_validates(voted_run, capsys) -> None:  # type: ignore[no-untyped-def]
    run_dir, ids = voted_run
    before = (run_dir / VOTES_FILE).read_text()
    assert main(["vote", str(run_dir), "--location", str(ids[1]), "--bad", "-m", "dead spot"]) == 0
    assert (run_dir / VOTES_FILE).read_text() == before + f"{ids[1]} bad dead spot\n"
    assert main(["vote", str(run_dir), "--location", "999999", "--good"]) == 2
    assert "has not been measured" in capsys.readouterr().err
    assert main(["vote", str(run_dir), "--good"]) == 2
    assert "go together" in capsys.readouterr().err
    assert main(["vote", str(run_dir / "nope"), "--location", "1", "--good"]) == 2
    (run_dir / VOTES_FILE).write_text(before)


def test_cli_vote_interactive(voted_run, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    run_dir, ids = voted_run
    before = (run_dir / VOTES_FILE).read_text()
    answers = f"abc\n{ids[-1]}\nmaybe\ngood\nlooks antiferroelectric\n\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(answers))
    assert main(["vote", str(run_dir), "--last", "4"]) == 0
    shown = capsys.readouterr().out
    assert str(ids[-1]) in shown and "novelty" in shown and "knn" in shown.lower()
    assert (run_dir / VOTES_FILE).read_text() == (
        before + f"{ids[-1]} good via=interactive looks antiferroelectric\n"
    )
    (run_dir / VOTES_FILE).write_text(before)


def test_oversized_and_huge_id_vote_lines_are_rejected_with_an_excerpt() -> None:
    from explorer.engine.votes import EXCERPT_CHARS, MAX_LINE_CHARS, format_vote, parse_vote_line

    for text in ("9" * 5000 + " good", "17 bad " + "x" * MAX_LINE_CHARS, "1234567890 good"):
        e = parse_vote_line(1, text)
        assert e is not None and e.error is not None and e.location_id is None, text
        assert len(e.text) <= EXCERPT_CHARS
    line = format_vote(17, -1, "why " * 500)
    assert len(line) <= MAX_LINE_CHARS
    parsed = parse_vote_line(1, line)
    assert parsed is not None and parsed.error is None and parsed.location_id == 17
