"""Zaber ASCII XY stage driver (two axes of one controller) over `SerialTransport` (§6.3).

Units: mm at the API, microsteps on the wire (`microstep_um` per microstep). Robustness rules
(§6.5.11): the input buffer is cleared before each query; replies are matched on device, axis
and message id (stale replies are journaled and skipped, `#` info and `!` alerts too); every
line is parsed strictly; idempotent queries are retried once after a lost or corrupt reply;
moves are never resent blindly: a lost move reply is resolved by polling the position; a NUL
byte (power cycle) is an error that loses the reference. Poll waits use the injected clock.
"""

from __future__ import annotations

import contextlib

from hardware.errors import HardwareError, HardwareTimeoutError
from hardware.protocols import Clock, Range, StageStatus
from hardware.stages.zaber_codec import (
    FAULT_FLAGS,
    ZaberCodecError,
    ZaberCommand,
    ZaberReply,
    format_command,
    parse_reply,
    parse_warnings,
)
from hardware.transport import SerialTransport

UNEXPECTED_AFTER_MOVE = frozenset({"WL", "NI", "WR", "WH", "WS", "WM"})


class ZaberRejectedError(HardwareError):
    """The controller answered RJ (bad command, bad data, unreferenced, driver disabled)."""


class ZaberAsciiStage:
    """A two-axis Zaber stage (x = axis 1, y = axis 2 of device `device`)."""

    def __init__(
        self,
        transport: SerialTransport,
        clock: Clock,
        *,
        microstep_um: float,
        travel_mm: tuple[Range, Range],
        device: int = 1,
        poll_s: float = 0.1,
        checksums: bool = True,
        simulated: bool = False,
    ) -> None:
        self.transport = transport
        self.clock = clock
        self.microstep_um = microstep_um
        self.travel_mm = travel_mm
        self.device = device
        self.poll_s = poll_s
        self.checksums = checksums
        self.simulated = simulated
        self._next_id = 0

    # ---- units -----------------------------------------------------------------------------
    def to_steps(self, mm: float) -> int:
        return round(mm * 1000.0 / self.microstep_um)

    def to_mm(self, steps: int) -> float:
        return steps * self.microstep_um / 1000.0

    # ---- exchanges -------------------------------------------------------------------------
    def _id(self) -> int:
        self._next_id = (self._next_id + 1) % 100
        return self._next_id

    def _send(self, axis: int, text: str) -> int:
        ident = self._id()
        line = format_command(ZaberCommand(self.device, axis, ident, text), checksum=self.checksums)
        self.transport.write_line(line)
        return ident

    def _await(self, axis: int, ident: int) -> ZaberReply | None:
        """The reply to message `ident`, or None if none came (lost) or it was garbled."""
        while True:
            line = self.transport.read_line()
            if line is None:
                return None
            if line.startswith(("#", "!")):
                continue  # info / alert lines are journaled by the transport
            try:
                reply = parse_reply(line)
            except ZaberCodecError as exc:
                self.transport.journal.write("note", "stage", message=f"corrupt reply: {exc}")
                return None
            if (reply.device, reply.axis, reply.message_id) == (self.device, axis, ident):
                return reply
            self.transport.journal.write("note", "stage", message=f"skipped stale reply {line!r}")

    def query(self, axis: int, text: str, *, idempotent: bool = True) -> ZaberReply:
        """Send one command and return its OK reply; RJ raises ZaberRejectedError."""
        with self.transport.query_lock:
            for attempt in range(2 if idempotent else 1):
                self.transport.clear_input()
                reply = self._await(axis, self._send(axis, text))
                if reply is not None:
                    if reply.flag == "RJ":
                        raise ZaberRejectedError(
                            f"Zaber rejected '{text}' on axis {axis}: {reply.data} "
                            f"(status {reply.status}, flag {reply.warning})"
                        )
                    return reply
                if attempt == 0 and idempotent:
                    self.transport.journal.write("note", "stage", message=f"retrying '{text}'")
            raise HardwareTimeoutError(
                f"no valid reply from the Zaber controller at {self.transport.url} to '{text}'"
            )

    def _send_move(self, axis: int, text: str) -> None:
        """A move is not idempotent: a lost reply is not resent; polling tells what happened."""
        try:
            self.query(axis, text, idempotent=False)
        except HardwareTimeoutError:
            self.transport.journal.write(
                "note", "stage", message=f"reply to '{text}' lost; resolving by polling"
            )

    # ---- status ----------------------------------------------------------------------------
    def _warnings(self) -> frozenset[str]:
        flags: set[str] = set()
        for axis in (1, 2):
            flags |= parse_warnings(self.query(axis, "warnings").data)
        return frozenset(flags)

    def _status_from(self, pos: ZaberReply, flags: frozenset[str]) -> StageStatus:
        steps = pos.ints()
        if len(steps) != 2:
            raise ZaberCodecError(f"expected two axis positions, got {pos.data!r}")
        return StageStatus(
            referenced=not (flags & {"WR", "WH"}),
            moving=pos.busy,
            x_mm=self.to_mm(steps[0]),
            y_mm=self.to_mm(steps[1]),
            faults=frozenset(f for f in flags if f in FAULT_FLAGS),
            warnings=frozenset(f for f in flags if f not in FAULT_FLAGS),
        )

    def status(self, *, timeout_s: float) -> StageStatus:
        return self._status_from(self.query(0, "get pos"), self._warnings())

    # ---- Stage protocol --------------------------------------------------------------------
    def connect(self, *, timeout_s: float) -> StageStatus:
        ident = self.query(0, "get deviceid")
        self.transport.journal.write("note", "stage", message=f"Zaber device id {ident.data}")
        return self.status(timeout_s=timeout_s)

    def set_limits(self, x_mm: Range, y_mm: Range, *, timeout_s: float) -> None:
        for axis, (lo, hi) in ((1, x_mm), (2, y_mm)):
            for name, value in (("limit.min", lo), ("limit.max", hi)):
                self.query(axis, f"set {name} {self.to_steps(value)}", idempotent=True)
                got = self.query(axis, f"get {name}").ints()[0]
                if got != self.to_steps(value):
                    raise HardwareError(f"axis {axis} {name} reads back {got}, not {value} mm")

    def home(self, *, timeout_s: float) -> StageStatus:
        self._send_move(0, "home")
        status = self._wait_idle(timeout_s, "homing")
        if not status.referenced:
            raise HardwareError("homing finished but the controller still reports WR/WH")
        return status

    def move_to(self, x_mm: float, y_mm: float, *, timeout_s: float) -> StageStatus:
        for axis, mm in ((1, x_mm), (2, y_mm)):
            self._send_move(axis, f"move abs {self.to_steps(mm)}")
        status = self._wait_idle(timeout_s, f"move to ({x_mm}, {y_mm}) mm")
        unexpected = status.warnings & UNEXPECTED_AFTER_MOVE
        if unexpected:
            return StageStatus(
                status.referenced,
                False,
                status.x_mm,
                status.y_mm,
                status.faults | unexpected,
                status.warnings - unexpected,
            )
        return status

    def _wait_idle(self, timeout_s: float, what: str) -> StageStatus:
        deadline = self.clock.now_s() + timeout_s
        while True:
            pos = self.query(0, "get pos")
            if not pos.busy:
                return self._status_from(pos, self._warnings())
            if self.clock.now_s() >= deadline:
                self.stop()
                raise HardwareTimeoutError(
                    f"Zaber stage still BUSY after {timeout_s:.0f} s ({what}); stop sent"
                )
            self.clock.sleep(self.poll_s)

    def stop(self) -> None:
        """Stop both axes. Safe from any thread: when no other thread is talking to the
        controller the stop is an ordinary query (its reply read here, so what follows reads
        its own reply whatever the link's latency); otherwise it is written out of band and
        its reply left to the reader."""
        if self.transport.query_lock.acquire(blocking=False):
            try:
                with contextlib.suppress(HardwareError):
                    self.query(0, "stop")
                return
            finally:
                self.transport.query_lock.release()
        with contextlib.suppress(HardwareError):
            line = format_command(
                ZaberCommand(self.device, 0, self._id(), "stop"), checksum=self.checksums
            )
            self.transport.write_line(line)

    def close(self) -> None:
        self.transport.close()
