"""Safety policy of the Instrument facade (reference/hardware-and-physics.md §6.5).

Every rule is a hard error: `SafetyGate.require` journals the decision (allowed or refused, with
the numbers it was based on) and raises SafetyError on a refusal, before anything is sent to the
hardware. The facade asks the gate before each step of a measurement.

Rules and where they are checked (rule names as they appear in the journal):

    z_interlock        lateral move only retracted at 0 V, clearance ≥ |Δxy|·tan θ + margin, ≥ min
    referenced         absolute moves and measurements only after homing in this session
    homing_retracted   homing sweeps the whole travel: only fully retracted
    soft_fence         target inside the library outline minus edge margin, outside keep-outs
    controller_fence   target inside the axis limits programmed into the controller
    max_step           a single move no longer than max_step_mm
    readback           read-back within tolerance after a move (one retry, then FAULT)
    approach           approach must succeed (two failures ⇒ FAULT) with contact deflection in range
    resonance          f0 after every tune within ±f0_window of the previous tune
    bias_limit         |V| ≤ min(policy limit, hardware limit); ramp rate capped; 0 V before moves
    fresh_spot         never measure a spot twice: spots ≥ spot_offset_um apart within a location
    tip_health         every N locations: sensitivity and f0 drift within bounds
    armed              real hardware only when armed (explorer run --arm-hardware)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from hardware.errors import SafetyError
from hardware.journal import Journal

Range = tuple[float, float]


class Region(Protocol):
    """Anything with a vectorised `contains` over (n, 2) positions in mm (explorer's regions)."""

    def contains(self, xy_mm: NDArray[np.float64]) -> NDArray[np.bool_]: ...


@dataclass(frozen=True)
class SoftFence:
    """The software fence: library outline minus an edge margin, minus keep-outs."""

    outline: Region | None = None
    edge_margin_mm: float = 0.0
    keep_outs: Sequence[Region] = ()

    def violation(self, x_mm: float, y_mm: float) -> str | None:
        """Why (x, y) is outside the fence, or None."""
        xy = np.array([[x_mm, y_mm]])
        for k, region in enumerate(self.keep_outs):
            if bool(region.contains(xy)[0]):
                return f"inside keep-out region {k}"
        if self.outline is None:
            return None
        angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)  # as explorer.library
        ring = xy + self.edge_margin_mm * np.column_stack([np.cos(angles), np.sin(angles)])
        if not bool(self.outline.contains(xy)[0]):
            return "outside the library outline"
        if self.edge_margin_mm > 0 and not bool(np.all(self.outline.contains(ring))):
            return f"closer than the {self.edge_margin_mm} mm edge margin to the outline"
        return None


@dataclass(frozen=True)
class SafetyPolicy:
    """Limits the facade enforces. Units in the names; defaults from reference §6.5."""

    controller_limits_mm: tuple[Range, Range]  # the second fence, programmed into the controller
    fence: SoftFence = field(default_factory=SoftFence)
    max_step_mm: float = 15.0
    min_clearance_um: float = 50.0
    tilt_max_deg: float = 0.5
    z_margin_um: float = 20.0
    home_clearance_um: float = 500.0
    move_tolerance_um: float = 5.0
    max_move_retries: int = 1
    max_approach_attempts: int = 2
    deflection_window_v: tuple[float, float] = (0.2, 2.0)
    bias_limit_v: float = 10.0
    bias_ramp_v_per_s: float = 50.0
    f0_window: float = 0.10
    spot_offset_um: float = 2.0
    spot_pitch_um: float = 3.0
    settle_s: float = 30.0
    tip_check_every: int = 10
    tip_min_sensitivity: float = 0.5
    tip_max_f0_shift: float = 0.05

    def required_clearance_um(self, distance_mm: float) -> float:
        """Z clearance for a lateral move: tilt over the travel plus a margin, and a floor."""
        tilt = 1000.0 * distance_mm * math.tan(math.radians(self.tilt_max_deg)) + self.z_margin_um
        return max(tilt, self.min_clearance_um)


class SafetyGate:
    """Applies a SafetyPolicy and journals every decision."""

    def __init__(self, policy: SafetyPolicy, journal: Journal) -> None:
        self.policy = policy
        self.journal = journal

    def require(
        self,
        rule: str,
        ok: bool,
        refusal: str,
        *,
        error: type[SafetyError] = SafetyError,
        **facts: object,
    ) -> None:
        """Journal the decision; raise `error(refusal)` if `ok` is false."""
        self.journal.write(
            "safety", "facade", rule=rule, decision="allow" if ok else "refuse", **facts
        )
        if not ok:
            raise error(f"safety rule {rule!r} refused: {refusal}")

    # ---- stage moves ------------------------------------------------------------------------
    def check_target(self, x_mm: float, y_mm: float, from_xy_mm: tuple[float, float]) -> None:
        p = self.policy
        why = p.fence.violation(x_mm, y_mm)
        self.require(
            "soft_fence",
            why is None,
            f"target ({x_mm:.3f}, {y_mm:.3f}) mm is {why}; the library fence forbids it",
            x_mm=x_mm,
            y_mm=y_mm,
        )
        self.check_waypoint(x_mm, y_mm, from_xy_mm)

    def check_waypoint(self, x_mm: float, y_mm: float, from_xy_mm: tuple[float, float]) -> None:
        """A point the stage moves through (or to): the controller limits and the step limit."""
        p = self.policy
        (x0, x1), (y0, y1) = p.controller_limits_mm
        inside = x0 <= x_mm <= x1 and y0 <= y_mm <= y1
        self.require(
            "controller_fence",
            inside,
            f"target ({x_mm:.3f}, {y_mm:.3f}) mm is outside the controller limits "
            f"x {[x0, x1]}, y {[y0, y1]} mm",
            x_mm=x_mm,
            y_mm=y_mm,
        )
        step = math.dist(from_xy_mm, (x_mm, y_mm))
        self.require(
            "max_step",
            step <= p.max_step_mm,
            f"a {step:.2f} mm move exceeds max_step_mm = {p.max_step_mm}; split the move or "
            "raise safety.max_step_mm",
            step_mm=step,
        )

    def check_interlock(
        self, *, retracted: bool, clearance_um: float, bias_v: float, distance_mm: float
    ) -> None:
        need = self.policy.required_clearance_um(distance_mm)
        ok = retracted and clearance_um >= need and bias_v == 0.0
        self.require(
            "z_interlock",
            ok,
            f"lateral move needs the probe retracted by ≥ {need:.0f} µm at 0 V "
            f"(retracted={retracted}, clearance {clearance_um:.0f} µm, bias {bias_v:g} V)",
            retracted=retracted,
            clearance_um=clearance_um,
            required_um=need,
            bias_v=bias_v,
        )

    # ---- bias ---------------------------------------------------------------------------------
    def check_bias(self, volts: float, hardware_limit_v: float) -> None:
        limit = min(self.policy.bias_limit_v, hardware_limit_v)
        self.require(
            "bias_limit",
            abs(volts) <= limit,
            f"|{volts:g}| V exceeds the bias limit {limit:g} V (policy {self.policy.bias_limit_v}"
            f" V, hardware {hardware_limit_v:g} V); lower sspfm.v_max or raise "
            "safety.bias_limit_v within what the amplifier allows",
            volts=volts,
            limit_v=limit,
        )
