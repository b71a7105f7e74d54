"""The runner's side of steering: take new control.txt lines, apply them, log each as a
`steered` event; hold the loop while paused; the approval gate before a strategy's move.

It is read at the same point as queue.txt and votes.txt (before every decision) and, while the
runner waits (paused or at the gate), every POLL_S seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from explorer.config.steering import SteeringConfig
from explorer.engine.control import CONTROL_FILE, ControlEntry, read_new_controls
from explorer.engine.events import EventLog, Steered
from explorer.engine.steering import SteeringReplay, weight_problem, with_weight

POLL_S = 0.2


class Steerable(Protocol):
    """What steering changes in a campaign (explorer.engine.campaign.Campaign)."""

    strategy: Any
    pending: dict[int, Any]
    vetoed: set[int]

    def cancel(self, location_id: int) -> None: ...


@dataclass
class SteeringState:
    """Mutable steering bookkeeping (derivable from the `steered` events)."""

    consumed: int = 0
    paused: bool = False
    approved: set[int] = field(default_factory=set)
    abort_reason: str = ""

    @classmethod
    def from_replay(cls, r: SteeringReplay) -> SteeringState:
        return cls(consumed=r.consumed, approved=set(r.approved))


class Steering:
    """Applies control lines to one campaign and logs them."""

    def __init__(
        self,
        run_dir: Path,
        campaign: Steerable,
        log: EventLog,
        config: SteeringConfig,
        state: SteeringState,
        on_poll: Callable[[], None] = lambda: None,
    ) -> None:
        self.path = run_dir / CONTROL_FILE
        self._on_poll = on_poll  # the runner's other control files (votes) while it waits
        self.campaign = campaign
        self.log = log
        self.config = config
        self.state = state

    def poll(self) -> None:
        """Take every new complete line of control.txt (and, through `on_poll`, of the
        runner's other control files)."""
        self._on_poll()
        for e in read_new_controls(self.path, self.state.consumed):
            self.state.consumed = e.line
            if e.error != "blank":
                self._take(e)

    def _take(self, e: ControlEntry) -> None:
        error = e.error or self._apply(e)
        self.log.emit(
            Steered(
                action=e.action if e.action and not e.error else "invalid",
                location_id=e.location_id,
                name=e.name,
                value=e.value,
                by=e.by,
                at=e.at,
                note=e.note or (e.text if e.error else ""),
                line=e.line,
                accepted=not error,
                error=error or "",
            )
        )

    def _apply(self, e: ControlEntry) -> str | None:
        """Apply one well-formed entry; a reason when it cannot be applied."""
        lid = e.location_id
        if e.action in ("approve", "veto"):
            assert lid is not None
            if lid not in self.campaign.pending:
                return f"location {lid} is not a pending suggestion (pending: " + (
                    f"{sorted(self.campaign.pending)})"
                )
            self._verdict(e.action == "approve", lid)
        elif e.action == "weight":
            assert e.value is not None
            if problem := weight_problem(self.campaign.strategy, e.name, e.value):
                return problem
            self.campaign.strategy = with_weight(self.campaign.strategy, e.name, e.value)
        elif e.action in ("pause", "resume"):
            self.state.paused = e.action == "pause"
        elif e.action == "abort":
            self.state.abort_reason = f"aborted from the control file by {e.by or 'someone'}"
        return None

    def _verdict(self, approve: bool, lid: int) -> None:
        if approve:
            self.state.approved.add(lid)
        else:
            self.campaign.cancel(lid)
            self.campaign.vetoed.add(lid)

    def wait_while_paused(self, check: Callable[[], None]) -> None:
        """Hold the loop (no move) until a `resume` line; `check` raises to stop waiting."""
        while self.state.paused:
            check()
            time.sleep(POLL_S)
            self.poll()
        check()

    def approve(self, lid: int, check: Callable[[], None]) -> bool:
        """The approval gate for a strategy's suggestion: True to move there, False when it was
        vetoed. With `approval: none` it returns True at once."""
        if self.config.approval == "none" or lid in self.state.approved:
            return True
        self.log.emit(
            Steered(
                action="awaiting",
                location_id=lid,
                by="runner",
                note=f"timeout {self.config.timeout_s:g} s, then {self.config.on_timeout}",
            )
        )
        deadline = time.monotonic() + self.config.timeout_s
        while lid in self.campaign.pending and lid not in self.state.approved:
            check()
            if time.monotonic() >= deadline:
                self._on_timeout(lid)
                if self.state.paused:
                    self.wait_while_paused(check)
                    deadline = time.monotonic() + self.config.timeout_s
                continue
            time.sleep(POLL_S)
            self.poll()
            self.wait_while_paused(check)
        return lid in self.state.approved

    def _on_timeout(self, lid: int) -> None:
        policy = self.config.on_timeout
        note = f"no verdict within {self.config.timeout_s:g} s"
        if policy == "pause":
            self.state.paused = True
        else:
            self._verdict(policy == "approve", lid)
        self.log.emit(Steered(action=policy, location_id=lid, by="timeout", note=note))
