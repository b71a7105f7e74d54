"""Line-oriented serial transport over pyserial's `serial_for_url` (reference §6.3).

Any URL pyserial knows works: `COM3`, `/dev/ttyUSB0`, `socket://host:port`, `rfc2217://...`,
`spy://...` (hex dump of real traffic), and this package's `emu://zaber?...`. Every byte that
goes out or comes in is journaled (`kind: io`), so a journal is a complete transcript. `write`
may be used from any thread (stop commands during an abort); request/response exchanges hold
the query lock.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from hardware.emulators import register_url_handler
from hardware.errors import HardwareError
from hardware.journal import Journal


class TransportError(HardwareError):
    """The port cannot be opened, written or read."""


class PowerCycleError(HardwareError):
    """A NUL byte arrived: the controller lost power and restarted (it is no longer homed)."""


class SerialTransport:
    """One serial line to one controller."""

    def __init__(
        self,
        url: str,
        journal: Journal,
        *,
        source: str,
        baudrate: int = 115200,
        read_timeout_s: float = 0.5,
        eol: bytes = b"\n",
        serial_port: Any | None = None,
    ) -> None:
        self.url = url
        self.journal = journal
        self.source = source
        self.eol = eol
        self.read_timeout_s = read_timeout_s
        self.query_lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._port = serial_port if serial_port is not None else self._open(url, baudrate)

    def _open(self, url: str, baudrate: int) -> Any:
        import serial  # noqa: PLC0415

        register_url_handler()
        try:
            return serial.serial_for_url(url, baudrate=baudrate, timeout=self.read_timeout_s)
        except (serial.SerialException, ValueError, OSError) as exc:
            raise TransportError(f"cannot open {url!r}: {exc}") from None

    @property
    def port(self) -> Any:
        return self._port

    def write_line(self, text: str) -> None:
        data = text.encode("ascii")
        with self._write_lock:
            self.journal.write("io", self.source, dir="tx", line=text.rstrip("\r\n"))
            try:
                self._port.write(data)
                self._port.flush()
            except Exception as exc:
                raise TransportError(f"write to {self.url} failed: {exc}") from None

    def read_line(self) -> str | None:
        """One line (without its terminator), or None when nothing arrived within the timeout.
        A NUL byte raises PowerCycleError after being journaled."""
        try:
            raw = self._port.read_until(self.eol)
        except Exception as exc:
            raise TransportError(f"read from {self.url} failed: {exc}") from None
        if not raw:
            self.journal.write("io", self.source, dir="rx", timeout=True)
            return None
        text = raw.decode("ascii", "replace")
        self.journal.write("io", self.source, dir="rx", line=text.rstrip("\r\n"))
        if "\x00" in text:
            raise PowerCycleError(
                f"{self.url}: NUL byte received: the controller power-cycled and lost its "
                "reference; check the supply, then resume (it will re-home)"
            )
        return text.rstrip("\r\n")

    def clear_input(self) -> None:
        try:
            self._port.reset_input_buffer()
        except Exception as exc:
            raise TransportError(f"cannot flush {self.url}: {exc}") from None

    def close(self) -> None:
        # pyserial's socket:// close() skips closing a socket whose shutdown() fails (a link
        # the far end dropped), leaking it: close that socket here as well
        sock = getattr(self._port, "_socket", None)
        try:
            self._port.close()
        except Exception as exc:  # closing is best effort
            self.journal.write("note", self.source, message=f"close failed: {exc}")
        finally:
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()
