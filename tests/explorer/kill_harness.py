"""Run `explorer run|resume` in this process and SIGKILL it at a chosen point.

    python -m tests.explorer.kill_harness MODE N -- explorer-args...

MODE: `after` (kill right after event N is durable), `torn` (write half of event N's line, then
kill), `raw` (kill half-way through writing the N-th raw file). Used by the crash tests; nothing
here is imported by the package.
"""

from __future__ import annotations

import json
import os
import signal
import sys

from explorer import events, rundir


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def install(mode: str, n: int) -> None:
    emit = events.EventLog.emit
    count = {"events": 0, "raw": 0}

    def emit_and_maybe_die(self: events.EventLog, event: events.Event):  # type: ignore[no-untyped-def]
        if mode == "torn" and self.next_seq == n:
            line = json.dumps({"seq": n, "type": event.type, "padding": "x" * 40})
            os.write(self._fd, line[: len(line) // 2].encode())
            _die()
        out = emit(self, event)
        if mode == "after" and out.seq == n:
            _die()
        return out

    atomic = rundir.atomic_write_bytes

    def write_and_maybe_die(path, data):  # type: ignore[no-untyped-def]
        if mode == "raw" and path.suffix == ".npz":
            count["raw"] += 1
            if count["raw"] == n:
                tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
                tmp.write_bytes(data[: len(data) // 2])
                _die()
        return atomic(path, data)

    events.EventLog.emit = emit_and_maybe_die  # type: ignore[method-assign]
    rundir.atomic_write_bytes = write_and_maybe_die  # type: ignore[assignment]


if __name__ == "__main__":
    mode, n = sys.argv[1], int(sys.argv[2])
    args = sys.argv[sys.argv.index("--") + 1 :]
    install(mode, n)
    from explorer.cli import main

    sys.exit(main(args))
