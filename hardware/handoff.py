"""An instrument whose measurements are made elsewhere: by the user's own code, handed in one
at a time (the Python API's `tell`). It moves nothing, so it is always safe."""

from __future__ import annotations

from hardware.errors import AbortedError, MeasurementError
from hardware.protocols import Measurement


class HandoffInstrument:
    """Returns the measurement handed in for the location asked for, once; after `abort`
    nothing more is measured."""

    def __init__(self, channels: tuple[str, ...] = ()) -> None:
        self.channels = channels
        self._next: Measurement | None = None
        self._aborted = False

    def hand_in(self, m: Measurement) -> None:
        """The measurement the next `measure_at` returns."""
        self._next = m

    def measure_at(
        self, location_id: int, x_mm: float, y_mm: float, *, timeout_s: float
    ) -> Measurement:
        m, self._next = self._next, None
        if self._aborted:
            raise AbortedError("the external instrument was aborted")
        if m is None or m.location_id != location_id:
            raise MeasurementError(
                f"location {location_id}: no measurement was handed in for it; an external "
                "instrument is measured by your own code (explorer.api Experiment.tell)"
            )
        return m

    def abort(self) -> None:
        self._aborted = True
        self._next = None

    def close(self) -> None:
        self._next = None
