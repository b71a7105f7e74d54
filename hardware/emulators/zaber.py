"""Zaber ASCII controller emulator: 2 axes, trapezoidal motion on an injected clock (§2.4).

Grammar: OK/RJ, IDLE/BUSY, warning flags, device addressing (0 = broadcast), message ids,
optional checksums. Commands: `home`, `move abs|rel|min|max N`, `stop`, `estop`, `get pos`,
`get limit.min|limit.max|maxspeed|accel`, the identification settings a real controller
answers (`version`, `system.axiscount`, `peripheralid`, `comm.*`: `zaber_identity.py`),
`set limit.min|limit.max|maxspeed|accel N`, `warnings [clear]`, and an empty command
(status). Axis 0 addresses the whole device (`get pos` answers one value per axis).

Faults (`FaultPlan`, one-shot, counted from power-on): `stall@N` (the N-th axis move stalls
half-way: FS, stopped), `limit@N` (limit switch trips half-way: WL), `unhomed@N` (reference lost
at the N-th command: WR), `drop@N[xK]` / `corrupt@N[xK]` (replies to commands N..N+K-1 lost /
garbled), `busy@N` (the N-th move never completes: stuck BUSY until `stop`), `powercycle@N`
(the device resets at the N-th command: position 0, not homed, a NUL byte on the line, no reply),
`delay@N[xK]` (replies to commands N..N+K-1 arrive `delay_s` late, after the driver's read
timeout: they show up later as stale replies; served by the emu:// handler, which collects
them with `due_replies`).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from hardware.emulators.zaber_identity import identity_value
from hardware.protocols import Clock
from hardware.stages.zaber_codec import (
    FAULT_FLAGS,
    ZaberCodecError,
    ZaberCommand,
    ZaberReply,
    format_reply,
    parse_command,
)

FLAG_PRIORITY = ("F", "W", "N")
LATCHED = frozenset({"WR", "WH"})  # cleared only by homing
SETTABLE = ("limit.min", "limit.max", "maxspeed", "accel")
SPEED_UNITS = 1.6384  # data units of maxspeed per microstep/s


@dataclass
class Motion:
    t0_s: float
    p0: int
    target: int
    v_max: float
    accel: float
    stuck: bool = False
    stop_at: int | None = None  # stall / limit position
    stop_flag: str = ""

    def duration_s(self) -> float:
        d = abs(self.target - self.p0)
        t_acc = self.v_max / self.accel
        if d <= self.v_max * t_acc:
            return 2.0 * math.sqrt(d / self.accel)
        return d / self.v_max + t_acc

    def position(self, t_s: float) -> float:
        d, tau = abs(self.target - self.p0), max(t_s - self.t0_s, 0.0)
        total = self.duration_s()
        if tau >= total:
            s = float(d)
        else:
            t_acc = min(self.v_max / self.accel, total / 2)
            v_peak = self.accel * t_acc
            if tau < t_acc:
                s = 0.5 * self.accel * tau * tau
            elif tau < total - t_acc:
                s = 0.5 * self.accel * t_acc * t_acc + v_peak * (tau - t_acc)
            else:
                rest = total - tau
                s = d - 0.5 * self.accel * rest * rest
        sign = 1 if self.target >= self.p0 else -1
        return self.p0 + sign * s


@dataclass
class Axis:
    pos: float = 0.0
    homed: bool = False
    limit_min: int = 0
    limit_max: int = 1_000_000
    maxspeed: float = 40_000.0  # microsteps/s
    accel: float = 400_000.0  # microsteps/s²
    warnings: set[str] = field(default_factory=lambda: {"WR"})
    motion: Motion | None = None


@dataclass
class FaultSpec:
    kind: str
    at: int
    count: int = 1


class FaultPlan:
    """One-shot faults parsed from `KIND@N[xK]` strings (N counts from 1)."""

    KINDS: tuple[str, ...] = ("stall", "limit", "unhomed", "drop", "corrupt", "busy", "powercycle")

    def __init__(self, specs: list[str] | None = None) -> None:
        self.faults: list[FaultSpec] = [self.parse(s) for s in specs or []]

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        kind, _, rest = text.partition("@")
        at, _, count = rest.partition("x")
        if kind not in cls.KINDS or not at.isdigit() or (count and not count.isdigit()):
            raise ValueError(
                f"bad fault {text!r}; use KIND@N[xK] with KIND one of {', '.join(cls.KINDS)}"
            )
        return FaultSpec(kind, int(at), int(count or 1))

    def fires(self, kind: str, n: int) -> bool:
        return any(f.kind == kind and f.at <= n < f.at + f.count for f in self.faults)

    def clear(self) -> None:
        self.faults = []


class ZaberFaultPlan(FaultPlan):
    KINDS = (*FaultPlan.KINDS, "delay")


class ZaberEmulator:
    """A Zaber ASCII controller (one device, `n_axes` axes) on an injected clock."""

    def __init__(
        self,
        clock: Clock,
        *,
        device: int = 1,
        n_axes: int = 2,
        microstep_um: float = 0.1,
        travel_mm: float = 100.0,
        speed_mm_per_s: float = 4.0,
        accel_mm_per_s2: float = 40.0,
        latency_s: float = 0.0,
        delay_s: float = 1.0,
        faults: list[str] | None = None,
    ) -> None:
        self.clock = clock
        self.device = device
        self.microstep_um = microstep_um
        self.latency_s = latency_s
        self.delay_s = delay_s
        self.plan = ZaberFaultPlan(faults)
        self._delayed: list[tuple[float, list[str]]] = []
        self._lock = threading.RLock()
        steps = round(travel_mm * 1000.0 / microstep_um)
        per_um = 1000.0 / microstep_um
        self._axis_defaults = dict(
            limit_max=steps, maxspeed=speed_mm_per_s * per_um, accel=accel_mm_per_s2 * per_um
        )
        self.axes = [Axis(**self._axis_defaults) for _ in range(n_axes)]  # type: ignore[arg-type]
        self.commands_seen = 0
        self.moves_seen = 0
        self.log: list[tuple[str, list[str]]] = []

    # ---- backdoor for tests and the operator ----------------------------------------------------
    def power_cycle(self) -> None:
        with self._lock:
            self.axes = [Axis(**self._axis_defaults) for _ in self.axes]  # type: ignore[arg-type]

    def clear_faults(self) -> None:
        """What an operator does after fixing the cause: clear fault flags and free a stuck axis
        (faults scheduled for later commands stay scheduled)."""
        with self._lock:
            for ax in self.axes:
                ax.warnings -= FAULT_FLAGS | {"WL", "NI"}
                if ax.motion is not None and ax.motion.stuck:
                    ax.motion = None

    def position_um(self) -> list[float]:
        with self._lock:
            self._update()
            return [ax.pos * self.microstep_um for ax in self.axes]

    # ---- motion ----
    def _update(self) -> None:
        now = self.clock.now_s()
        for ax in self.axes:
            m = ax.motion
            if m is None or m.stuck:
                continue
            pos = m.position(now)
            if m.stop_at is not None and (pos - m.stop_at) * (m.target - m.p0) >= 0:
                ax.pos, ax.motion = float(m.stop_at), None
                ax.warnings.add(m.stop_flag)
            elif now - m.t0_s >= m.duration_s():
                ax.pos, ax.motion = float(m.target), None
            else:
                ax.pos = pos

    def _start(self, ax: Axis, target: int) -> None:
        if ax.motion is not None:
            ax.warnings.add("NI")  # the previous move is interrupted by the new target
        self.moves_seen += 1
        m = Motion(self.clock.now_s(), round(ax.pos), target, ax.maxspeed, ax.accel)
        half = round((m.p0 + target) / 2)
        if self.plan.fires("stall", self.moves_seen):
            m.stop_at, m.stop_flag = half, "FS"
        elif self.plan.fires("limit", self.moves_seen):
            m.stop_at, m.stop_flag = half, "WL"
        elif self.plan.fires("busy", self.moves_seen):
            m.stuck = True
        ax.motion = m

    def _stop(self, ax: Axis) -> None:
        if ax.motion is not None:
            ax.motion = None
            ax.warnings.add("NI")

    # ---- protocol ----
    def handle_line(self, line: str) -> list[str]:
        """Reply lines for one request line (empty: not addressed to us, dropped or corrupt)."""
        with self._lock:
            if self.latency_s:
                self.clock.sleep(self.latency_s)
            self.commands_seen += 1
            n = self.commands_seen
            if self.plan.fires("powercycle", n):
                self.power_cycle()
                return ["\x00"]
            if self.plan.fires("unhomed", n):
                for ax in self.axes:
                    ax.homed = False
                    ax.warnings.add("WR")
            self._update()
            try:
                cmd = parse_command(line)
            except ZaberCodecError:
                return []  # a corrupt request is discarded, as a controller would
            if cmd.device not in (0, self.device):
                return []
            replies = [format_reply(r) for r in self._execute(cmd)]
            self.log.append((line.strip(), replies))
            if self.plan.fires("drop", n):
                return []
            if self.plan.fires("corrupt", n):
                return [r[:8] + "#" + r[9:] for r in replies]
            if self.plan.fires("delay", n):
                self._delayed.append((self.clock.now_s() + self.delay_s, replies))
                return []
            return replies

    def due_replies(self) -> list[str]:
        """Delayed replies whose time has come (in the order they were held back)."""
        with self._lock:
            now = self.clock.now_s()
            due = [r for t, rs in self._delayed if t <= now for r in rs]
            self._delayed = [(t, rs) for t, rs in self._delayed if t > now]
            return due

    def _reply(
        self, cmd: ZaberCommand, flag: str, data: str, axis: int | None = None
    ) -> ZaberReply:
        axes = self.axes if cmd.axis == 0 else [self.axes[cmd.axis - 1]]
        busy = any(ax.motion is not None for ax in axes)
        flags = set().union(*(ax.warnings for ax in axes))
        warn = "--"
        for prefix in FLAG_PRIORITY:
            hits = sorted(f for f in flags if f.startswith(prefix))
            if hits:
                warn = hits[0]
                break
        return ZaberReply(
            self.device,
            cmd.axis if axis is None else axis,
            cmd.message_id,
            flag,
            "BUSY" if busy else "IDLE",
            warn,
            data,
        )

    def _execute(self, cmd: ZaberCommand) -> list[ZaberReply]:
        if cmd.axis > len(self.axes):
            return [
                ZaberReply(self.device, cmd.axis, cmd.message_id, "RJ", "IDLE", "--", "BADAXIS")
            ]
        words = cmd.text.split()
        axes = self.axes if cmd.axis == 0 else [self.axes[cmd.axis - 1]]
        try:
            data = self._dispatch(words, axes, cmd.axis)
        except _RejectError as rj:
            return [self._reply(cmd, "RJ", rj.reason)]
        return [self._reply(cmd, "OK", data)]

    def _dispatch(self, words: list[str], axes: list[Axis], axis_no: int) -> str:
        if not words:
            return "0"
        head, args = words[0], words[1:]
        if head == "home":
            for ax in axes:
                ax.motion = Motion(self.clock.now_s(), round(ax.pos), 0, ax.maxspeed, ax.accel)
                ax.homed = True
                ax.warnings -= LATCHED
            return "0"
        if head in ("stop", "estop"):
            for ax in axes:
                self._stop(ax)
            return "0"
        if head == "move":
            return self._move(args, axes, axis_no)
        if head == "get":
            return self._get(args, axes)
        if head == "set":
            return self._set(args, axes)
        if head == "warnings":
            return self._warnings(args, axes)
        raise _RejectError("BADCOMMAND")

    def _move(self, args: list[str], axes: list[Axis], axis_no: int) -> str:
        if axis_no == 0:
            raise _RejectError("BADAXIS")  # moves need an axis on a multi-axis controller
        ax = axes[0]
        if not ax.homed:
            raise _RejectError("BADCOMMAND")  # unreferenced: refuse absolute positioning
        if any(f in FAULT_FLAGS for f in ax.warnings):
            raise _RejectError("DRIVERDISABLED")
        if not args or args[0] not in ("abs", "rel", "min", "max"):
            raise _RejectError("BADCOMMAND")
        if args[0] in ("min", "max"):
            target = ax.limit_min if args[0] == "min" else ax.limit_max
        else:
            value = _int(args[1:])
            target = value if args[0] == "abs" else round(ax.pos) + value
        if not ax.limit_min <= target <= ax.limit_max:
            raise _RejectError("BADDATA")
        self._start(ax, target)
        return "0"

    def _get(self, args: list[str], axes: list[Axis]) -> str:
        if not args:
            raise _RejectError("BADCOMMAND")
        name = args[0]
        values = {
            "pos": lambda a: round(a.pos),
            "limit.min": lambda a: a.limit_min,
            "limit.max": lambda a: a.limit_max,
            "maxspeed": lambda a: round(a.maxspeed * SPEED_UNITS),
            "accel": lambda a: round(a.accel / 1000.0),
        }
        if name in values:
            return " ".join(str(values[name](a)) for a in axes)
        value = identity_value(name, len(axes))
        if value is None:
            raise _RejectError("BADCOMMAND")
        return value

    def _set(self, args: list[str], axes: list[Axis]) -> str:
        if len(args) != 2 or args[0] not in SETTABLE:
            raise _RejectError("BADCOMMAND")
        value = _int(args[1:])
        for ax in axes:
            if args[0] == "limit.min":
                ax.limit_min = value
            elif args[0] == "limit.max":
                ax.limit_max = value
            elif args[0] == "maxspeed":
                ax.maxspeed = value / SPEED_UNITS
            else:
                ax.accel = value * 1000.0
        return "0"

    def _warnings(self, args: list[str], axes: list[Axis]) -> str:
        flags = sorted(set().union(*(ax.warnings for ax in axes)))
        if args == ["clear"]:
            for ax in axes:
                ax.warnings &= LATCHED
        elif args:
            raise _RejectError("BADCOMMAND")
        return " ".join([f"{len(flags):02d}", *flags])


class _RejectError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _int(args: list[str]) -> int:
    if len(args) != 1:
        raise _RejectError("BADDATA")
    try:
        return int(args[0])
    except ValueError:
        raise _RejectError("BADDATA") from None
