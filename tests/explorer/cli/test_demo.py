"""`explorer demo`: the `make demo` campaign, plots and report without make."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.cli import main


def test_demo_runs_plots_reports_and_says_where(tmp_path, capsys) -> None:
    assert main(["demo", "--out", str(tmp_path / "demo"), "--max-points", "6", "-q"]) == 0
    (run,) = (tmp_path / "demo").glob("smbfo-gp-bo-*")
    text = capsys.readouterr().out
    assert text.strip().splitlines()[-1] == (
        f"demo finished: open {run / 'report.html'} (figures in {run / 'plots'})"
    )
    assert (run / "report.html").stat().st_size > 10_000
    assert (run / "plots" / "posterior.png").stat().st_size > 10_000
    assert text.count("wrote ") >= 4


def test_demo_with_a_missing_campaign_is_one_line(tmp_path, capsys) -> None:
    assert main(["demo", "--campaign", str(tmp_path / "nope.yaml"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "file not found" in err[0]
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(Path("C:/").drive == "C:", reason="on Windows the path is valid")
def test_a_windows_out_folder_elsewhere_is_one_line(tmp_path, capsys) -> None:
    assert main(["demo", "--out", r"C:\Users\lab\runs", "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: command line: output.dir: ")
    assert "is a Windows path" in err[0]
