"""`instrument.safety`: the limits the Instrument facade enforces (hardware.safety.SafetyPolicy).

Checked at load time against each other and against the stage travel, the recipe and the
amplifier (see `check_safety`), so a bad limit is one line before anything moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field, field_validator

from explorer.config.strict_base import NonNegFloat, PositiveFloat, Range, Strict, ordered
from hardware.safety import SafetyPolicy

if TYPE_CHECKING:
    from hardware.safety import SafetyPolicy, SoftFence


class SoftLimitsConfig(Strict):
    """Axis limits programmed into the stage controller (the second fence), in stage mm."""

    x_mm: Range
    y_mm: Range

    _x = field_validator("x_mm")(lambda v: ordered(v, "x_mm"))
    _y = field_validator("y_mm")(lambda v: ordered(v, "y_mm"))


class SafetyConfig(Strict):
    """Safety rules of reference §6.5 (all hard errors). Units in the names."""

    soft_limits: SoftLimitsConfig | None = None  # default: the library extent + edge margin
    max_step_mm: PositiveFloat = 15.0
    min_clearance_um: Annotated[float, Field(ge=10.0, le=5000.0)] = 50.0
    tilt_max_deg: Annotated[float, Field(ge=0.0, le=10.0)] = 0.5
    z_margin_um: NonNegFloat = 20.0
    home_clearance_um: Annotated[float, Field(ge=50.0)] = 500.0
    move_tolerance_um: Annotated[float, Field(gt=0.0, le=100.0)] = 5.0
    bias_limit_v: Annotated[float, Field(gt=0.0, le=220.0)] = 10.0
    bias_ramp_v_per_s: PositiveFloat = 50.0
    f0_window: Annotated[float, Field(gt=0.0, le=0.5)] = 0.10
    spot_offset_um: Annotated[float, Field(ge=1.0, le=50.0)] = 2.0
    spot_pitch_um: Annotated[float, Field(ge=1.0, le=50.0)] = 3.0
    tip_check_every: Annotated[int, Field(ge=0, le=1000)] = 10
    tip_min_sensitivity: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.5
    tip_max_f0_shift: Annotated[float, Field(gt=0.0, le=0.5)] = 0.05
    max_approach_attempts: Annotated[int, Field(ge=1, le=2)] = 2

    def policy(
        self, controller_limits_mm: tuple[Range, Range], fence: SoftFence, settle_s: float
    ) -> SafetyPolicy:
        data = self.model_dump(exclude={"soft_limits"})
        return SafetyPolicy(
            controller_limits_mm=controller_limits_mm, fence=fence, settle_s=settle_s, **data
        )


def check_safety(
    safety: SafetyConfig, travel_mm: tuple[Range, Range], v_max: float, amplifier_v: float
) -> list[str]:
    """Cross-checks of the safety section; one message (naming the key and the fix) per problem."""
    problems: list[str] = []
    if safety.spot_pitch_um < safety.spot_offset_um:
        problems.append(
            f"safety.spot_pitch_um: {safety.spot_pitch_um} is below spot_offset_um "
            f"{safety.spot_offset_um}; spots would overlap"
        )
    if safety.soft_limits is not None:
        for axis, lim, trav in zip(
            "xy", (safety.soft_limits.x_mm, safety.soft_limits.y_mm), travel_mm, strict=True
        ):
            if lim[0] < trav[0] or lim[1] > trav[1]:
                problems.append(
                    f"safety.soft_limits.{axis}_mm: {list(lim)} lies outside the stage travel "
                    f"{list(trav)} mm; shrink the soft limits to the travel"
                )
    if safety.bias_limit_v > amplifier_v:
        problems.append(
            f"safety.bias_limit_v: {safety.bias_limit_v} V exceeds what the amplifier can "
            f"deliver ({amplifier_v} V); lower it or configure the amplifier gain"
        )
    if v_max > safety.bias_limit_v:
        problems.append(
            f"sspfm.v_max: {v_max} V exceeds safety.bias_limit_v {safety.bias_limit_v} V; "
            "lower v_max or raise the limit"
        )
    return problems


def omitted_safety_problems(given: SafetyConfig | None, without_block: SafetyConfig) -> list[str]:
    """Limits a partial `safety:` block changes without naming them.

    `without_block` holds the limits that apply when no block is written (for a simulated
    instrument the bias limit follows the recipe's v_max); a block that omits a key takes the
    plain default instead. One message per such key, naming both values and the fix."""
    if given is None:
        return []
    problems = []
    for key in SafetyConfig.model_fields:
        if key in given.model_fields_set:
            continue
        partial, usual = getattr(given, key), getattr(without_block, key)
        if partial != usual:
            problems.append(
                f"safety.{key}: not given, so the partial safety block sets it to {partial} "
                f"where it would be {usual} without the block; write {key}: {usual} (or the "
                "value you want) into instrument.safety"
            )
    return problems
