"""SIGKILL an `explorer run|resume` at a chosen write, in a forked child process.

A `KillPoint` names one durable write of the running process: the n-th event line
(events.jsonl), the n-th raw file (raw/NNNNNN.npz) or the n-th hardware-journal record
(journal.jsonl), and whether the process dies right *after* that write is complete or *torn*
half-way through it (a prefix of the real bytes is on disk, then SIGKILL). Journal records are
written at every step of a measurement (moves, approach, tune, bias, spot, visit), so journal
kill points land inside measurements, with the tip engaged or the bias on.

`run_child(argv, kill)` forks the test process (explorer, torch and the emulators are already
imported, so a child starts in milliseconds), installs the kill hook in the child only, runs
`explorer.cli.main(argv)` there and returns how the child ended. Forked children are real
processes: the kernel releases their flocks and the page cache keeps what they wrote, exactly
as after `kill -9`. Nothing here is imported by the package.

    python -m tests.explorer.kill_harness event 8 torn -- run campaign.yaml -q
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

Target = Literal["event", "raw", "journal"]
TARGETS: tuple[Target, ...] = ("event", "raw", "journal")


@dataclass(frozen=True)
class KillPoint:
    """Die at the `n`-th (1-based) write of `target` in the child: after it, or torn half-way."""

    target: Target
    n: int
    torn: bool = False

    def __str__(self) -> str:
        return f"{self.target}#{self.n}{' torn' if self.torn else ''}"


@dataclass(frozen=True)
class ChildResult:
    killed: bool  # died by SIGKILL (the kill point was reached)
    code: int  # exit code when not killed
    output: str


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _half(data: bytes) -> bytes:
    return data[: max(1, len(data) // 2)]


def install(kill: KillPoint) -> None:
    """Patch the three writers of this process so that it dies at `kill`."""
    from explorer.engine import events, rundir
    from hardware import journal

    count = dict.fromkeys(TARGETS, 0)

    def hit(target: Target) -> bool:
        count[target] += 1
        return kill.target == target and count[target] == kill.n

    emit = events.EventLog.emit

    def emit_and_maybe_die(self: events.EventLog, event: events.Event) -> events.Event:
        if not hit("event"):
            return emit(self, event)
        if kill.torn:
            stamped = dataclasses.replace(event, seq=self.next_seq, time=events.utc_now())
            line = json.dumps(stamped.to_dict(), separators=(",", ":")) + "\n"
            os.write(self._fd, _half(line.encode()))
            _die()
        out = emit(self, event)
        _die()
        return out

    atomic = rundir.create_new_bytes  # raw files are created, never replaced

    def write_and_maybe_die(path: Path, data: bytes) -> None:
        if path.suffix != ".npz" or not hit("raw"):
            atomic(path, data)
            return
        if kill.torn:  # the temporary file is half written, the rename never happens
            tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
            tmp.write_bytes(_half(data))
            _die()
        atomic(path, data)
        _die()

    write = journal.Journal.write

    def journal_and_maybe_die(
        self: journal.Journal, kind: str, source: str, **fields: Any
    ) -> dict[str, Any]:
        if self._fh is None or not hit("journal"):
            return write(self, kind, source, **fields)
        if kill.torn:
            rec = {"seq": self.next_seq, "t_s": 0.0, "kind": kind, "source": source}
            rec.update({k: journal._plain(v) for k, v in fields.items()})
            self._fh.write(_half(json.dumps(rec).encode()).decode("utf-8", "ignore"))
            self._fh.flush()
            _die()
        out = write(self, kind, source, **fields)
        _die()
        return out

    events.EventLog.emit = emit_and_maybe_die  # type: ignore[method-assign]
    rundir.create_new_bytes = write_and_maybe_die  # type: ignore[assignment]
    journal.Journal.write = journal_and_maybe_die  # type: ignore[method-assign]


def _child(argv: list[str], kill: KillPoint | None, log: Path) -> int:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    sys.stdout = sys.stderr = io.TextIOWrapper(os.fdopen(fd, "wb", buffering=0), "utf-8")
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if kill is not None:
        install(kill)
    from explorer.cli import main

    return main(argv)


def warm_up() -> None:
    """Import what a campaign imports lazily (torch internals on the first GP fit) once in the
    parent, so that every forked child starts warm."""
    import explorer.cli
    from explorer.models.gp import fit_gp

    assert explorer.cli.main is not None
    x = np.linspace(0.0, 1.0, 6)[:, None]
    fit_gp(x, np.sin(6 * x[:, 0])).predict(x)


def run_child(argv: list[str], kill: KillPoint | None, log: Path) -> ChildResult:
    """Run `explorer argv...` in a forked child that dies at `kill` (None: runs to the end)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns into the caller
        code = 99
        try:
            code = _child(argv, kill, log)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            os._exit(code)
    try:
        _, status = os.waitpid(pid, 0)
    except BaseException:  # a test timeout: never leave the child behind
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    output = log.read_text(errors="replace") if log.exists() else ""
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL, output
        return ChildResult(True, -9, output)
    return ChildResult(False, os.WEXITSTATUS(status), output)


def random_kill(rng: np.random.Generator, totals: dict[str, int]) -> KillPoint:
    """A kill point drawn uniformly over every write an uninterrupted run makes (journal
    records weigh as much as events and raw files together, as they dominate the writes)."""
    target: Target = TARGETS[int(rng.choice(3, p=[0.4, 0.2, 0.4]))]
    n = int(rng.integers(1, max(2, totals[target]) + 1))
    return KillPoint(target, n, bool(rng.random() < 0.5))


if __name__ == "__main__":
    target, n, *rest = sys.argv[1 : sys.argv.index("--")]
    point = KillPoint(target, int(n), "torn" in rest)  # type: ignore[arg-type]
    install(point)
    from explorer.cli import main

    sys.exit(main(sys.argv[sys.argv.index("--") + 1 :]))
