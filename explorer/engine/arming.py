"""The arming state of a run: real hardware armed, a lab config as a dry run, the simulator, or
a replayed dataset. It is recorded in `run_started`; a resumed run that would continue in
another state is refused unless `--change-arming` is given, and the change is then an
`arming_changed` event, so real and simulated measurements are never mixed silently.
"""

from __future__ import annotations

from collections.abc import Iterable

from explorer.config import CampaignConfig
from explorer.config.instrument import SimInstrumentConfig
from explorer.config.replay import ReplayInstrumentConfig
from explorer.engine.events import ArmingChanged, Event, RunStarted
from explorer.errors import InputFileError

DESCRIPTIONS = {
    "armed": "armed real hardware (--arm-hardware)",
    "dry_run": "a dry run of a lab config (no --arm-hardware)",
    "simulator": "the simulator",
    "replay": "a replayed dataset",
}


def arming_state(cfg: CampaignConfig, arm_hardware: bool) -> str:
    """What this config and flag drive: one of explorer.engine.events.ARMING_STATES."""
    if isinstance(cfg.instrument, SimInstrumentConfig):
        return "simulator"
    if isinstance(cfg.instrument, ReplayInstrumentConfig):
        return "replay"
    return "armed" if arm_hardware else "dry_run"


def recorded_arming(events: Iterable[Event]) -> str:
    """The arming state the log ends in ("" for a log written before it was recorded)."""
    state = ""
    for ev in events:
        if isinstance(ev, RunStarted):
            state = ev.arming
        elif isinstance(ev, ArmingChanged):
            state = ev.current
    return state


def check_arming(recorded: str, current: str, *, change_arming: bool, run_dir: object) -> bool:
    """True when the resumed run changes the arming state (allowed by `change_arming`);
    InputFileError naming both states and the flags when it would change without it."""
    if not recorded or recorded == current:
        return False
    if change_arming:
        return True
    flag = " with --arm-hardware" if recorded == "armed" else " without --arm-hardware"
    raise InputFileError(
        f"{run_dir} was run on {DESCRIPTIONS.get(recorded, recorded)}, this resume would "
        f"continue on {DESCRIPTIONS.get(current, current)}; resume{flag} to keep it, or add "
        "--change-arming to change it (logged as an arming_changed event, shown in plots "
        "and reports)"
    )
