"""The damage matrix (`make check-reliability`): a finished run is damaged in every way a
restored backup, a hand edit or a lossy disk can damage it, and each copy goes through resume,
plot and report. Every cell must end in a refusal (exit 2, one line, nothing changed) or in the
documented recovery (`explorer recover`, then the command succeeds), and no raw bytes the
damaged directory held may be lost (sha256 of every .npz before and after). Run with -s to see
the table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.explorer import damage as dmg
from tests.fuzzing import run_cli
from tests.reliability_summary import record

pytestmark = pytest.mark.reliability

CASES: dict[str, Callable[[Path], None]] = {
    "empty log": dmg.empty_log,
    **{
        f"log cut at {k * 10 - 5}% of its bytes": dmg.cut_at_fraction(k / 10 - 0.05)
        for k in range(1, 11)
    },
    "log cut at a line boundary": dmg.cut_at_line(30),
    "edited location id": dmg.edit_location_id,
    "raw file missing": dmg.delete_raw,
    "raw file truncated": dmg.truncate_raw,
    "raw files swapped": dmg.swap_raw,
}
COMMANDS = ("resume", "plot", "report")
TABLE: dict[str, dict[str, str]] = {}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dmg.finished_run(tmp_path_factory.mktemp("pristine"), points=24)


def _argv(command: str, run: Path) -> list[str]:
    return (
        [command, str(run), "-q", "--max-points", "26"]
        if command == "resume"
        else [command, str(run)]
    )


def _cell(run: Path, command: str) -> str:
    """Outcome of one command on a damaged copy, checking the invariants on the way."""
    damaged = dmg.npz_digests(run)
    code, _, err = run_cli(_argv(command, run))
    if code == 0:
        return "ok (nothing to refuse)"
    assert dmg.refused(code, err), (command, code, err)
    assert dmg.npz_digests(run) == damaged, "a refused command changed raw files"
    code, _, rerr = run_cli(["recover", str(run)])
    if code != 0:
        assert dmg.refused(code, rerr) and "restore events.jsonl" in rerr, rerr
        assert dmg.npz_digests(run) == damaged
        return "refused; recover refused (log contradicts raw files: restore the log)"
    assert dmg.npz_digests(run) == damaged, "recover lost or changed raw bytes"
    code, _, err = run_cli(_argv(command, run))
    assert code == 0, (command, err)
    assert dmg.npz_digests(run) >= damaged, f"{command} after recover lost raw bytes"
    return "refused; recover; ok"


@pytest.mark.parametrize("case", list(CASES))
def test_damage_ends_in_refusal_or_documented_recovery(pristine, tmp_path, case) -> None:
    for command in COMMANDS:
        run = dmg.copy_run(pristine, tmp_path / command)
        CASES[case](run)
        outcome = _cell(run, command)
        TABLE.setdefault(case, {})[command] = outcome
        record("damage", f"{command}: {outcome}")


def test_print_the_damage_matrix() -> None:
    """Printed at the end of the module (run with -s)."""
    if not TABLE:
        pytest.skip("no damage cases ran in this session")
    width = max(len(c) for c in TABLE)
    cols = {c: max(len(c), *(len(TABLE[k].get(c, "")) for k in TABLE)) for c in COMMANDS}
    print()
    print(f"{'damage':<{width}} | " + " | ".join(f"{c:<{cols[c]}}" for c in COMMANDS))
    print("-" * width + "-+-" + "-+-".join("-" * cols[c] for c in COMMANDS))
    for case, row in TABLE.items():
        print(f"{case:<{width}} | " + " | ".join(f"{row.get(c, ''):<{cols[c]}}" for c in COMMANDS))
