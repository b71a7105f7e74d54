"""Usage errors (unknown option or command, missing argument) are one usage message and exit
code 2, never a traceback: typer vendors click, so its exceptions are not click's."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["plot", "runs", "--no-such-option"], "No such option"),
        (["no-such-command"], "No such command"),
        (["run"], "Missing argument"),
    ],
)
def test_usage_error_is_one_message_and_exit_2(argv: list[str], message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "explorer.cli", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
