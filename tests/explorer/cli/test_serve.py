"""`explorer serve` on bad input: one line naming the problem, exit code 2, nothing served."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from explorer.cli import main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}"], "is not a run directory"),
        (["--runs", "{tmp}/missing"], "not a folder"),
        ([], "either a RUN_DIR or --runs"),
        (["{tmp}", "--runs", "{tmp}"], "either a RUN_DIR or --runs"),
    ],
)
def test_bad_run_choice_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    argv = ["serve", *(a.format(tmp=tmp_path) for a in args)]
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    assert code == 2
    assert message in err.getvalue() and "Traceback" not in err.getvalue()
