"""`explorer run`, `resume`, `validate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from explorer.cli.app import app, out, run_session
from explorer.config import load_config
from explorer.config.campaign_config import CampaignConfig
from explorer.engine.build import validate_deep
from explorer.engine.restore import load_run_config
from explorer.engine.session import apply_overrides, start_new
from explorer.engine.session import resume as resume_run
from explorer.errors import ConfigError
from explorer.report.live import live_report_for

ARM_HELP = (
    "allow a lab instrument to move real hardware; without it a lab config is a dry run "
    "(commands are journaled and answered by an emulator, nothing reaches the port)"
)


def refuse_external(cfg: CampaignConfig, where: str) -> None:
    """`instrument: {kind: external}` is measured by the caller's code, not by the CLI."""
    if cfg.instrument.kind == "external":
        raise ConfigError(
            f"{where}: instrument kind 'external' is measured by your own code; drive it from "
            "Python with explorer.api.Experiment (docs/python-api.md)"
        )


@app.command()
def run(
    campaign: Annotated[Path, typer.Argument(help="campaign YAML file")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="parent directory for the run")
    ] = None,
    max_points: Annotated[int | None, typer.Option(help="override stop.max_points")] = None,
    seed: Annotated[int | None, typer.Option(help="override the campaign seed")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
    arm_hardware: Annotated[bool, typer.Option("--arm-hardware", help=ARM_HELP)] = False,
) -> None:
    """Run a campaign from a YAML file (validated completely before anything moves)."""
    cfg = apply_overrides(load_config(campaign), max_points=max_points, seed=seed, out=out_dir)
    refuse_external(cfg, str(campaign))
    session = start_new(cfg, arm_hardware=arm_hardware, subscribers=(live_report_for,))
    out.print(f"run directory: {session.run_dir}")
    run_session(session, quiet=quiet)


@app.command()
def resume(
    run_dir: Annotated[Path, typer.Argument(help="run directory to continue")],
    max_points: Annotated[int | None, typer.Option(help="raise stop.max_points")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
    arm_hardware: Annotated[bool, typer.Option("--arm-hardware", help=ARM_HELP)] = False,
) -> None:
    """Continue a crashed, aborted or finished run from its event log."""
    refuse_external(load_run_config(run_dir), str(run_dir))
    session = resume_run(
        run_dir, max_points=max_points, arm_hardware=arm_hardware, subscribers=(live_report_for,)
    )
    n = len(session.runner.campaign.observations)
    out.print(f"resuming {run_dir} after {n} measurements")
    run_session(session, quiet=quiet, already=n)


@app.command()
def validate(campaign: Annotated[Path, typer.Argument(help="campaign YAML file")]) -> None:
    """Check a campaign file; prints 'ok' or one line per problem (exit code 2)."""
    cfg = load_config(campaign)
    library = validate_deep(cfg)
    out.print(
        f"ok: {campaign} — {len(library)} locations, {len(cfg.objectives)} objective(s) "
        f"({', '.join(o.name for o in cfg.objectives)}), strategy {cfg.strategy.kind}"
    )
