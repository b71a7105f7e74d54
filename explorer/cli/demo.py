"""`explorer demo`: what `make demo` does, without make (e.g. in PowerShell on the lab PC).

Runs the simulated SmBFO GP-BO campaign (campaigns/smbfo-gp-bo.yaml of the source checkout) for
30 points on the virtual clock, writes its figures and its report, and prints where they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from explorer.cli.app import app, out, run_session
from explorer.cli.plot import plot, report
from explorer.config import load_config
from explorer.engine.session import apply_overrides, start_new
from explorer.errors import ConfigError
from explorer.report.live import live_report_for

DEMO_CAMPAIGN = "smbfo-gp-bo.yaml"


def demo_campaign() -> Path:
    """The demo campaign of the source checkout the package is installed from."""
    path = Path(__file__).resolve().parents[2] / "campaigns" / DEMO_CAMPAIGN
    if not path.is_file():
        raise ConfigError(
            f"the demo campaign campaigns/{DEMO_CAMPAIGN} is not next to this installation; "
            "install from a source checkout (pip install -e .) or pass --campaign FILE"
        )
    return path


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="parent directory for the run")] = Path(
        "runs/demo"
    ),
    max_points: Annotated[int, typer.Option(min=1, help="locations to measure")] = 30,
    campaign: Annotated[
        Path | None, typer.Option(help="campaign YAML (default: the SmBFO GP-BO demo)")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Run a short simulated campaign, then write its plots and report and say where."""
    cfg = load_config(campaign or demo_campaign())
    cfg = apply_overrides(cfg, max_points=max_points, seed=None, out=out_dir)
    session = start_new(cfg, subscribers=(live_report_for,))
    out.print(f"run directory: {session.run_dir}")
    try:
        run_session(session, quiet=quiet)
    except typer.Exit as done:
        if done.exit_code != 0:
            raise
    plot(session.run_dir, fmt="png", steps=None, dpi=None)
    report(session.run_dir, steps=None)
    out.print(
        f"demo finished: open {session.run_dir / 'report.html'} "
        f"(figures in {session.run_dir / 'plots'})"
    )
