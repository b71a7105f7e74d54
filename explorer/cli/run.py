"""`explorer run`, `resume`, `recover`, `validate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from explorer.cli.app import app, out, run_session
from explorer.config import CampaignConfig, load_config
from explorer.engine.build import validate_deep
from explorer.engine.restore import load_run_config
from explorer.engine.salvage import recover as recover_run
from explorer.engine.session import apply_overrides, start_new
from explorer.engine.session import resume as resume_run
from explorer.errors import ConfigError
from explorer.report.live import live_report_for

ARM_HELP = (
    "allow a lab instrument to move real hardware; without it a lab config is a dry run "
    "(commands are journaled and answered by an emulator, nothing reaches the port)"
)

CHANGE_ARMING_HELP = (
    "continue even though the arming state differs from the run's (armed hardware / dry run); "
    "the change is logged as an arming_changed event and shown in plots and reports"
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
    change_arming: Annotated[
        bool, typer.Option("--change-arming", help=CHANGE_ARMING_HELP)
    ] = False,
) -> None:
    """Continue a crashed, aborted or finished run from its event log."""
    refuse_external(load_run_config(run_dir), str(run_dir))
    session = resume_run(
        run_dir,
        max_points=max_points,
        arm_hardware=arm_hardware,
        change_arming=change_arming,
        subscribers=(live_report_for,),
    )
    n = len(session.runner.campaign.observations)
    out.print(f"resuming {run_dir} after {n} measurements")
    run_session(session, quiet=quiet, already=n)


@app.command()
def recover(run_dir: Annotated[Path, typer.Argument(help="run directory to put right")]) -> None:
    """Rebuild lost log entries from raw files; move aside (never delete) what they cannot
    account for. Moves no hardware; run `explorer resume` afterwards."""
    report = recover_run(run_dir)
    if not report.changed:
        out.print(f"nothing to recover: {run_dir} is consistent")
        return
    if report.started_again:
        out.print("run_started written again from config.yaml (the log was empty)")
    if report.rebuilt:
        out.print(f"rebuilt {len(report.rebuilt)} measurement(s) from raw files")
    if report.moved_aside:
        out.print(
            f"moved {len(report.moved_aside)} file(s) to {run_dir / report.aside_dir}: "
            + ", ".join(report.moved_aside[:6])
        )
    if report.raw_lost:
        out.print(f"raw data of {len(report.raw_lost)} logged measurement(s) lost (values kept)")
    if report.visits_without_data:
        out.print(f"journal visits without data: {report.visits_without_data[:12]}")
    out.print(f"continue with: explorer resume {run_dir}")


@app.command()
def validate(campaign: Annotated[Path, typer.Argument(help="campaign YAML file")]) -> None:
    """Check a campaign file; prints 'ok' or one line per problem (exit code 2)."""
    cfg = load_config(campaign)
    library = validate_deep(cfg)
    out.print(
        f"ok: {campaign} — {len(library)} locations, {len(cfg.objectives)} objective(s) "
        f"({', '.join(o.name for o in cfg.objectives)}), strategy {cfg.strategy.kind}"
    )
