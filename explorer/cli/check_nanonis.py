"""`explorer check-nanonis CAMPAIGN`: a read-only look at the Nanonis session a lab campaign
would drive (signal slots, scan frame, bias, Z controller, lock-in), before arming."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from explorer.cli.app import app, out
from explorer.config.lab import LabInstrumentConfig, NanonisPFMConfig
from explorer.config.loading import load_config
from explorer.errors import ConfigError, HardwareError
from hardware.vendors.nanonis_check import check_session


@app.command("check-nanonis")
def check_nanonis(
    campaign: Annotated[Path, typer.Argument(help="campaign YAML with pfm: {kind: nanonis}")],
    port: Annotated[int | None, typer.Option(help="override pfm.port")] = None,
) -> None:
    """Connect to the campaign's Nanonis session and report what a run would rely on; sends
    only *Get commands (nothing moves). Exit 3 if a problem must be fixed before arming."""
    cfg = load_config(campaign)
    inst = cfg.instrument
    if not isinstance(inst, LabInstrumentConfig) or not isinstance(inst.pfm, NanonisPFMConfig):
        raise ConfigError(f"{campaign}: instrument is not {{kind: lab, pfm: {{kind: nanonis}}}}")
    settings = inst.pfm.settings()
    if port is not None:
        settings = replace(settings, port=port)
    findings = check_session(
        settings,
        bias_limit_v=min(inst.safety.bias_limit_v, inst.pfm.amplifier_v),
        spots=inst.sspfm.spots,
        spot_pitch_um=inst.safety.spot_pitch_um,
        timeout_s=inst.pfm.connect_timeout_s,
    )
    for f in findings:
        out.print(f"{'ok     ' if f.ok else 'PROBLEM'}  {f.text}", highlight=False)
    problems = [f for f in findings if not f.ok]
    if problems:
        raise HardwareError(f"{len(problems)} problem(s) in the Nanonis session; fix before arming")
