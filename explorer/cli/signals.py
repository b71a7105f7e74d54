"""Signals that stop a run safely, on every platform the lab uses.

Ctrl-C, SIGTERM, a closed terminal or dropped SSH session (SIGHUP), Ctrl-\\ (SIGQUIT) and, on
Windows, Ctrl-Break (SIGBREAK) and closing the console window all end the same way: the
instrument is made safe, the loop stops after the current step and `run_stopped` is logged. A
signal the platform lacks is skipped (SIGHUP and SIGQUIT do not exist on Windows, SIGBREAK
exists only there).

The handler itself does no I/O: it runs between two bytecodes of the main thread, which may be
in the middle of writing the journal or the terminal (a re-entrant write would raise). The
message and the abort (journal records, stage stop, retract) run on a short-lived thread that
takes the same locks as the main thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

STOP_SIGNAL_NAMES = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGBREAK")
CONSOLE_CLOSE_WAIT_S = 4.0  # Windows kills the process about 5 s after a console close event


def stop_signals() -> list[signal.Signals]:
    """The stop signals this platform has, in STOP_SIGNAL_NAMES order."""
    return [getattr(signal, n) for n in STOP_SIGNAL_NAMES if hasattr(signal, n)]


def install_stop_handlers(abort: Callable[[], None], say: Callable[[str], None]) -> None:
    """Route every stop signal (and a Windows console close) to `abort`, off the main thread."""

    def work(name: str) -> None:
        with contextlib.suppress(Exception):  # the terminal may be gone (SIGHUP)
            say(f"{name}: stopping safely after the current step…")
        abort()

    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        threading.Thread(target=work, args=(name,), name="explorer-abort").start()

    for sig in stop_signals():
        signal.signal(sig, handler)
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        _install_console_close(abort)


def _install_console_close(abort: Callable[[], None]) -> None:  # pragma: no cover - Windows
    """Closing the console window sends CTRL_CLOSE_EVENT, which Python maps to no signal:
    a console control handler makes the hardware safe before Windows ends the process."""
    kernel32 = getattr(ctypes, "windll").kernel32  # noqa: B009 - windll exists on Windows only
    handler_type = getattr(ctypes, "WINFUNCTYPE")(ctypes.c_int, ctypes.c_uint)  # noqa: B009
    close_events = {2, 5, 6}  # CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT

    def on_control(event: int) -> int:
        if event not in close_events:
            return 0  # Ctrl-C / Ctrl-Break go to the signal handlers
        done = threading.Thread(target=abort, name="explorer-console-close")
        done.start()
        done.join(CONSOLE_CLOSE_WAIT_S)
        return 1

    callback = handler_type(on_control)
    _KEEP_ALIVE.append(callback)  # ctypes callbacks must outlive the registration
    kernel32.SetConsoleCtrlHandler(callback, True)


_KEEP_ALIVE: list[object] = []
