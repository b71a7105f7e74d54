"""explorer plot: formats, steps and bad input."""

from __future__ import annotations

from pathlib import Path

from explorer.cli import main


def test_cli_plot_formats_steps_and_errors(so_run: Path, tmp_path: Path, capsys) -> None:
    assert main(["plot", str(so_run), "--format", "pdf", "--steps", "5,final"]) == 0
    assert (so_run / "plots" / "posterior.pdf").stat().st_size > 5_000
    assert main(["plot", str(so_run), "--format", "jpg"]) == 2
    assert main(["plot", str(so_run), "--steps", "0"]) == 2
    assert main(["plot", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert [e.split(":")[0] for e in err[-3:]] == ["error"] * 3
    assert "--format 'jpg'" in err[-3] and "--steps" in err[-2] and "not a run directory" in err[-1]
