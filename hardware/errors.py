"""Root of the application's single error hierarchy, plus the hardware branch.

The root lives here, in the lowest layer, because `hardware` (and `novelty`) may not import
`explorer`; `explorer.errors` re-exports everything below and adds the engine's errors. Every
message names the offending value and the fix.
"""

from __future__ import annotations

from typing import ClassVar


class ExplorerError(Exception):
    """Base class for every error raised by combi-explorer (engine, hardware, novelty)."""

    exit_code: int = 1


class HardwareError(ExplorerError):
    """Instrument-level failure (stage, probe, PFM, transport).

    `needs_human` classifies the fault: True (the default) means the instrument itself is in
    doubt (stall, limit switch, lost reference, power cycle, lost replies, tip change): the
    hardware is made safe and the run stops whatever `output.strict` says. False
    (LocationError) means only this location failed and the instrument is safe and usable.
    """

    exit_code = 3
    needs_human: ClassVar[bool] = True


class SafetyError(HardwareError):
    """A safety rule refused a command. Nothing was sent to the hardware."""


class HardwareTimeoutError(HardwareError, TimeoutError):
    """A blocking hardware call did not complete in time; the motion was stopped."""


class AbortedError(HardwareError):
    """The instrument was aborted (Ctrl-C, SIGTERM or abort()) during an operation."""


class LocationError(HardwareError):
    """This location could not be measured, but the instrument is safe (bias 0 V, retracted,
    stage stopped) and can go on: with `output.strict: false` the location is skipped."""

    needs_human = False


class MeasurementError(LocationError):
    """A measurement came back unusable (NaN or saturated signal, failed fit)."""


class ApproachError(SafetyError, LocationError):
    """The approach failed twice at one location (no surface found, false engage); the tip
    did not crash (a crash is a plain SafetyError that needs a human)."""

    needs_human = False


class DatasetError(ExplorerError, ValueError):
    """A replay dataset file is missing, truncated or does not follow the documented layout."""

    exit_code = 2


class ReplayMissError(DatasetError, KeyError):
    """A replayed campaign asked for a location the dataset never recorded."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
