"""One error hierarchy for the whole application (root `ExplorerError`, in hardware.errors).

Library code raises these; only the CLI catches them, prints one line and sets the exit code.
Every message names the offending value and, where there is one, the fix. Specific errors also
inherit the matching builtin (as BoTorch does) so callers can catch either.
"""

from __future__ import annotations

from hardware.errors import (
    AbortedError,
    ApproachError,
    DatasetError,
    ExplorerError,
    HardwareError,
    HardwareTimeoutError,
    LocationError,
    MeasurementError,
    ReplayMissError,
    SafetyError,
)

__all__ = [
    "AbortedError",
    "ApproachError",
    "CandidateError",
    "ConfigError",
    "DatasetError",
    "EventLogError",
    "ExplorerError",
    "ExplorerWarning",
    "HardwareError",
    "HardwareTimeoutError",
    "InputFileError",
    "LocationError",
    "MeasurementError",
    "ModelFitError",
    "ModelFitWarning",
    "NoCandidatesLeftError",
    "ReplayMissError",
    "RunDirError",
    "SafetyError",
    "StrategyError",
    "UnaccountedDataError",
    "short_text",
]

MESSAGE_CHARS = 200  # longest excerpt of user or foreign text quoted in a message or event


def short_text(text: str, limit: int = MESSAGE_CHARS) -> str:
    """`text` on one line, cut to `limit` characters with '…' (for excerpts of arrays, queue
    lines and other text a message quotes but must not copy whole)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class ConfigError(ExplorerError, ValueError):
    """A campaign YAML (or a CLI override) is invalid. Raised before any hardware is touched."""

    exit_code = 2

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[str, ...] = problems or (message,)


class InputFileError(ExplorerError, ValueError):
    """A user-supplied file (run directory, event log, queue file) is unreadable or malformed."""

    exit_code = 2


class CandidateError(ExplorerError, ValueError):
    """A library / candidate set is inconsistent (duplicate ids, empty library, bad shapes)."""

    exit_code = 2


class StrategyError(ExplorerError):
    """A strategy could not produce a suggestion."""


class NoCandidatesLeftError(StrategyError):
    """Every library location is measured or pending."""


class ModelFitError(StrategyError):
    """A surrogate model could not be fitted even after the deterministic fallbacks."""


class RunDirError(ExplorerError):
    """A run directory cannot be created, is locked by another process, or is not a run."""

    exit_code = 2


class UnaccountedDataError(RunDirError):
    """A run directory holds data its event log does not account for (raw files, journal
    visits, a lost run_started) or that contradicts it (hash, location, suggestion): resuming
    would overwrite or contradict measurements, so it is refused; `explorer recover` is the fix."""


class EventLogError(InputFileError):
    """events.jsonl is corrupt beyond a torn final line."""


class ExplorerWarning(UserWarning):
    """Base class for recoverable problems (also logged as `warning` events)."""


class ModelFitWarning(ExplorerWarning):
    """GP fitting needed a fallback (more jitter, fixed hyperparameters, space-filling pick)."""
