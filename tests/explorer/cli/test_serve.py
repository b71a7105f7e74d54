"""`explorer serve`: bad input is one line naming the problem (exit code 2, nothing served);
on a non-loopback address it prints a token and refuses requests without it."""

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


def test_serve_on_a_non_loopback_address_prints_and_requires_a_token(tmp_path: Path) -> None:
    import re
    import subprocess
    import sys

    from tests.conftest import REPO
    from tests.explorer.dashboard.conftest import run_campaign
    from tests.explorer.dashboard.test_app import free_port

    run_dir = run_campaign(tmp_path / "runs")
    port = free_port()
    argv = ["serve", str(run_dir), "--host", "0.0.0.0", "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer.cli", *argv],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        token = re.search(r"\?token=(\S+)", first)
        assert token, first
        assert "token:" in proc.stdout.readline()
        base = f"http://127.0.0.1:{port}/api/runs"
        assert _get_when_up(base) == 401
        assert _get_when_up(f"{base}?token={token.group(1)}") == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


def _get_when_up(url: str) -> int:
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return int(r.status)
        except urllib.error.HTTPError as exc:
            exc.close()
            return int(exc.code)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
