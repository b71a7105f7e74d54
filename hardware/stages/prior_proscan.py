"""Prior ProScan XY stage driver over `SerialTransport` (transport -> codec -> driver, §6.3).

ProScan answers every command with one `\\r`-terminated line: `R` (accepted), `0`, a value, or
`E,n`. Moves are acknowledged at once in standard mode, so completion is polled with `$`; `=`
reports limit switches hit since the last read; `I` (controlled stop, empties the queue) is sent
before any re-targeting. `SIS` homes (drives to the limits and zeroes). Positions are integers
in resolution units (`um_per_count` µm). The controller has no reference flag: the driver
treats it as referenced only after `SIS` in this session, and a NUL byte (power cycle) resets
that.
"""

from __future__ import annotations

import contextlib
import re

from hardware.errors import HardwareError, HardwareTimeoutError
from hardware.protocols import Clock, Range, StageStatus
from hardware.transport import PowerCycleError, SerialTransport

ERRORS = {
    1: "NO STAGE", 2: "NOT IDLE", 3: "NO DRIVE", 4: "STRING PARSE", 5: "COMMAND NOT FOUND",
    8: "VALUE OUT OF RANGE", 16: "INCORRECT STATE", 18: "QUEUE FULL", 21: "INVALID CHECKSUM",
    60: "ENCODER ERROR", 61: "ENCODER RUN OFF",
}  # fmt: skip
EXPECT = {
    "$": re.compile(r"\d+"),
    "=": re.compile(r"[0-9A-F]+"),
    "PS": re.compile(r"-?\d+,-?\d+(,-?\d+)?"),
    "G": re.compile(r"R"),
    "I": re.compile(r"R"),
    "SIS": re.compile(r"R"),
    "*": re.compile(r"[0-9A-Za-z][\w .,/-]*"),
}
LIMIT_BITS = {0: "+X", 1: "-X", 2: "+Y", 3: "-Y", 4: "+Z", 5: "-Z"}


class PriorError(HardwareError):
    """The controller answered `E,n`."""


def parse_error(line: str) -> PriorError | None:
    if not line.startswith("E,"):
        return None
    try:
        code = int(line[2:])
    except ValueError:
        return PriorError(f"malformed ProScan error {line!r}")
    return PriorError(f"ProScan error {code}: {ERRORS.get(code, 'unknown')}")


def parse_position(line: str) -> tuple[int, int]:
    parts = line.split(",")
    if len(parts) not in (2, 3):
        raise HardwareError(f"ProScan position reply {line!r} is not 'x,y[,z]'")
    try:
        return int(parts[0]), int(parts[1])
    except ValueError:
        raise HardwareError(f"ProScan position reply {line!r} is not numeric") from None


class PriorProScanStage:
    """Prior ProScan XY stage."""

    def __init__(
        self,
        transport: SerialTransport,
        clock: Clock,
        *,
        um_per_count: float,
        travel_mm: tuple[Range, Range],
        poll_s: float = 0.1,
        simulated: bool = False,
    ) -> None:
        self.transport = transport
        self.clock = clock
        self.um_per_count = um_per_count
        self.travel_mm = travel_mm
        self.poll_s = poll_s
        self.simulated = simulated
        self.referenced = False
        self.soft_limits: tuple[Range, Range] = travel_mm

    def to_counts(self, mm: float) -> int:
        return round(mm * 1000.0 / self.um_per_count)

    def to_mm(self, counts: int) -> float:
        return counts * self.um_per_count / 1000.0

    def query(self, command: str, *, idempotent: bool = True) -> str:
        """One exchange. Replies that do not match the command's grammar count as corrupt;
        idempotent queries are retried once after a lost or corrupt reply."""
        expect = EXPECT.get(command.split(",", 1)[0], EXPECT["*"])
        with self.transport.query_lock:
            for _ in range(2 if idempotent else 1):
                self.transport.clear_input()
                self.transport.write_line(command + "\r")
                try:
                    line = self.transport.read_line()
                except PowerCycleError:
                    self.referenced = False
                    raise
                err = parse_error(line) if line is not None else None
                if err is not None:
                    raise err
                if line is not None and expect.fullmatch(line):
                    return line
                self.transport.journal.write(
                    "note", "stage", message=f"no valid reply to {command}"
                )
            raise HardwareTimeoutError(
                f"no valid reply from ProScan at {self.transport.url} to {command!r}"
            )

    def _status(self) -> StageStatus:
        x, y = parse_position(self.query("PS"))
        moving = int(self.query("$")) & 0b11 != 0
        hit = int(self.query("="), 16)
        faults = frozenset(f"LIMIT{LIMIT_BITS[b]}" for b in LIMIT_BITS if hit >> b & 1)
        return StageStatus(self.referenced, moving, self.to_mm(x), self.to_mm(y), faults)

    def connect(self, *, timeout_s: float) -> StageStatus:
        self.transport.journal.write("note", "stage", message=f"ProScan {self.query('VERSION')}")
        return self._status()

    def status(self, *, timeout_s: float) -> StageStatus:
        return self._status()

    def set_limits(self, x_mm: Range, y_mm: Range, *, timeout_s: float) -> None:
        # ProScan has no programmable soft limits over this command set: the driver keeps them
        # and refuses targets outside before anything is sent (the second fence, in the driver).
        self.soft_limits = (x_mm, y_mm)

    def home(self, *, timeout_s: float) -> StageStatus:
        self.query("I")
        self.query("SIS", idempotent=False)
        status = self._wait(timeout_s, "homing (SIS)")
        self.referenced = True
        return StageStatus(True, False, status.x_mm, status.y_mm, status.faults)

    def move_to(self, x_mm: float, y_mm: float, *, timeout_s: float) -> StageStatus:
        (x0, x1), (y0, y1) = self.soft_limits
        if not (x0 <= x_mm <= x1 and y0 <= y_mm <= y1):
            raise HardwareError(f"ProScan driver limits refuse ({x_mm}, {y_mm}) mm")
        self.query("I")  # never re-target a moving ProScan (its queue would run both)
        try:
            self.query(f"G,{self.to_counts(x_mm)},{self.to_counts(y_mm)}", idempotent=False)
        except HardwareTimeoutError:
            self.transport.journal.write("note", "stage", message="G reply lost; polling")
        return self._wait(timeout_s, f"move to ({x_mm}, {y_mm}) mm")

    def _wait(self, timeout_s: float, what: str) -> StageStatus:
        deadline = self.clock.now_s() + timeout_s
        while int(self.query("$")) & 0b11:
            if self.clock.now_s() >= deadline:
                self.stop()
                raise HardwareTimeoutError(
                    f"ProScan still moving after {timeout_s:.0f} s ({what}); stop sent"
                )
            self.clock.sleep(self.poll_s)
        return self._status()

    def stop(self) -> None:
        with contextlib.suppress(HardwareError):
            self.transport.write_line("I\r")

    def close(self) -> None:
        self.transport.close()
