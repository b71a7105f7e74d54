"""pyserial handler for `emu://zaber?...` and `emu://prior?...`: an in-process controller.

Writes are split into lines and answered by the registered emulator; reads return its replies.
Replies the emulator delays (`delay@N`) arrive once due, ahead of the reply to the command
being exchanged then, where only message-id matching tells them apart.
A read that finds nothing waits `timeout` seconds on the emulator's virtual clock instead of
the wall clock, so driver timeouts, dropped replies and polling cost no real time in tests.
"""

from __future__ import annotations

from typing import Any

from serial.serialutil import PortNotOpenError, SerialBase, SerialException

from hardware.emulators import emulator_for


class Serial(SerialBase):
    """A serial port whose far end is an emulator."""

    def open(self) -> None:
        if self._port is None:
            raise SerialException("port must be configured before it can be used")
        try:
            self.emulator: Any = emulator_for(self._port)
        except ValueError as exc:
            raise SerialException(str(exc)) from None
        self._rx = bytearray()
        self._tx = bytearray()
        self.is_open = True

    def close(self) -> None:
        self.is_open = False

    def from_url(self, url: str) -> str:
        return url

    def _reconfigure_port(self) -> None:
        return None

    @property
    def in_waiting(self) -> int:
        return len(self._rx)

    def read(self, size: int = 1) -> bytes:
        if not self.is_open:
            raise PortNotOpenError()
        self._collect_delayed()
        if not self._rx and self._timeout:
            self.emulator.clock.sleep(self._timeout)  # virtual wait for a reply that never comes
            self._collect_delayed()
        data = bytes(self._rx[:size])
        del self._rx[:size]
        return data

    def _collect_delayed(self) -> None:
        due = getattr(self.emulator, "due_replies", None)
        if due is not None:
            for reply in due():
                self._rx += reply.encode("ascii", "replace")

    def write(self, data: bytes) -> int:
        if not self.is_open:
            raise PortNotOpenError()
        self._tx += data
        while True:
            cut = min(
                (i for i in (self._tx.find(b"\n"), self._tx.find(b"\r")) if i >= 0), default=-1
            )
            if cut < 0:
                break
            line = self._tx[:cut].decode("ascii", "replace")
            del self._tx[: cut + 1]
            self._collect_delayed()  # a late reply lands in the middle of the next exchange
            if line.strip():
                for reply in self.emulator.handle_line(line):
                    self._rx += reply.encode("ascii", "replace")
        return len(data)

    def reset_input_buffer(self) -> None:
        self._rx.clear()

    def reset_output_buffer(self) -> None:
        self._tx.clear()
