"""pyserial handler for `emu://zaber?...` and `emu://prior?...`: an in-process controller.

Writes are split into lines and answered by the registered emulator; reads return its replies.
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
        if not self._rx and self._timeout:
            self.emulator.clock.sleep(self._timeout)  # virtual wait for a reply that never comes
        data = bytes(self._rx[:size])
        del self._rx[:size]
        return data

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
            if line.strip():
                for reply in self.emulator.handle_line(line):
                    self._rx += reply.encode("ascii", "replace")
        return len(data)

    def reset_input_buffer(self) -> None:
        self._rx.clear()

    def reset_output_buffer(self) -> None:
        self._tx.clear()
