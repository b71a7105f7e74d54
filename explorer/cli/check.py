"""`explorer check-igor EXCHANGE_DIR|CAMPAIGN.yaml`: verify a lab's Igor set-up before arming.

Nothing is moved, pressed or set: the checks are the exchange folder, the procedure files, the
.ibw reader and two read-only round trips through a running Igor (hardware/vendors/
asylum_check.py). Prints one line per item, like `check-nanonis`; exit code 0 when all pass,
3 when something must be fixed before arming, 2 for a bad argument.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from explorer.cli.app import app, out
from explorer.config import load_config
from explorer.config.paths import portable_path
from explorer.errors import ConfigError, HardwareError
from hardware.clock import RealClock
from hardware.journal import Journal
from hardware.vendors.asylum import AsylumBridge
from hardware.vendors.asylum_check import check_igor


@app.command("check-igor")
def check_igor_cmd(
    target: Annotated[
        str, typer.Argument(help="Igor exchange folder, or a lab campaign YAML with pfm: asylum")
    ],
    procedures: Annotated[
        list[Path] | None,
        typer.Option("--procedures", help="lab Igor procedure file (.ipf); repeatable"),
    ] = None,
    igor_command: Annotated[
        str | None, typer.Option(help="program that makes Igor run the command file")
    ] = None,
    timeout_s: Annotated[float, typer.Option(help="wait this long for Igor per round trip")] = 10,
    probe: Annotated[
        bool, typer.Option("--probe/--no-probe", help="ask a running Igor (read-only)")
    ] = True,
) -> None:
    """Check the Igor set-up the Asylum bridge would drive (exchange folder, procedure files,
    .ibw reader, a running Igor); read-only, nothing moves. Exit 3 if a problem must be fixed
    before arming."""
    settings = _settings(target, igor_command, timeout_s)
    findings = check_igor(
        lambda: _bridge(settings), settings["exchange_dir"], procedures or [], probe=probe
    )
    for f in findings:
        out.print(f.line(), markup=False, highlight=False)
    problems = [f for f in findings if not f.ok]
    if problems:
        raise HardwareError(f"{len(problems)} problem(s) in the Igor set-up; fix before arming")
    out.print(f"all {len(findings)} checks passed")


def _settings(target: str, igor_command: str | None, timeout_s: float) -> dict[str, Any]:
    """Exchange folder, Igor command and timeout from a folder argument or a campaign YAML."""
    if target.lower().endswith((".yaml", ".yml")):
        inst = load_config(Path(target)).instrument
        pfm = getattr(inst, "pfm", None)
        if getattr(pfm, "kind", None) != "asylum":
            raise ConfigError(
                f"{target}: instrument.pfm is not kind asylum; give the exchange folder instead"
            )
        assert pfm is not None
        return {
            "exchange_dir": pfm.exchange_dir,
            "igor_command": [igor_command] if igor_command else pfm.igor_command,
            "timeout_s": min(timeout_s, pfm.command_timeout_s),
        }
    try:
        folder = portable_path(target)
    except ValueError as exc:
        raise ConfigError(f"exchange folder: {exc}") from None
    return {
        "exchange_dir": folder,
        "igor_command": [igor_command] if igor_command else [],
        "timeout_s": timeout_s,
    }


def _bridge(settings: dict[str, Any]) -> Any:
    clock = RealClock()
    return AsylumBridge(
        settings["exchange_dir"],
        Journal(None, clock.now_s),
        clock,
        igor_command=settings["igor_command"],
        command_timeout_s=settings["timeout_s"],
    )
