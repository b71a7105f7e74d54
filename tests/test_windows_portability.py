"""Nothing POSIX-only in the product: every module imports, and a simulated campaign runs,
resumes, recovers, plots and reports with fcntl, resource, termios, os.fork, SIGHUP and
SIGQUIT unavailable (tests.posix_free). CI is Linux; what this cannot show (real
Windows file locks, console close, drive-letter paths) is listed in docs/lab-hardware.md."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO
from tests.posix_free import POSIX_ONLY


def test_product_runs_without_posix_only_modules(tmp_path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    res = subprocess.run(
        [sys.executable, "-m", "tests.posix_free", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert res.stdout.startswith("ok:"), res.stdout


def test_the_blocker_refuses_a_product_import_of_fcntl(tmp_path) -> None:
    """The check itself works: a product module importing fcntl fails under it."""
    code = (
        "import sys; from tests.posix_free import install; b = install()\n"
        "ns = {'__name__': 'explorer.fake_module'}\n"
        "try:\n    exec('import fcntl', ns)\nexcept ImportError as e:\n    print('refused', e)\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        capture_output=True,
        text=True,
        check=False,
    )
    assert "refused fcntl does not exist on Windows" in res.stdout, res.stdout + res.stderr
    assert "fcntl" in POSIX_ONLY
