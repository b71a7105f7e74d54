"""Prior ProScan (II/III) controller emulator: X/Y stage, standard (non-COMP) mode (§2.2).

Commands (`\\r`-terminated, delimiters `, space = ; :` accepted): `G,x,y` / `GR,dx,dy` (reply
`R` at once; poll `$`), `P` / `PS` / `PX` / `PY` (position in resolution units), `PS,x,y` / `Z`
(set position, reply `0`), `M` (to origin), `SIS` (home: drive to the limits, set zero, `R`),
`$` (motion bitmask, b0 X, b1 Y), `=` (limits hit since last read, hex, then cleared), `I` / `K`
(stop, `R`), `SMS[,n]` (speed %, reply `0`), `VERSION`, `SERIAL`, `?` (block ending in END).
Errors are `E,n` (4 string parse, 5 command not found, 8 value out of range, 16 incorrect
state). Faults as for the Zaber emulator: `stall@N` / `limit@N` (b-limit bit set, motion stops),
`busy@N`, `drop@N[xK]`, `corrupt@N[xK]`, `powercycle@N` (position lost, NUL, not indexed).
"""

from __future__ import annotations

import re
import threading

from hardware.emulators.zaber import FaultPlan, Motion
from hardware.protocols import Clock

SPLIT = re.compile(r"[,\s=;:]+")


class PriorEmulator:
    """A ProScan controller with an XY stage on an injected clock."""

    def __init__(
        self,
        clock: Clock,
        *,
        travel_mm: float = 100.0,
        speed_mm_per_s: float = 4.0,
        accel_mm_per_s2: float = 40.0,
        um_per_count: float = 1.0,
        faults: list[str] | None = None,
    ) -> None:
        self.clock = clock
        self.plan = FaultPlan(faults)
        self.counts_per_mm = 1000.0 / um_per_count
        self.limit = int(travel_mm * self.counts_per_mm)
        self.v = speed_mm_per_s * self.counts_per_mm
        self.a = accel_mm_per_s2 * self.counts_per_mm
        self._lock = threading.RLock()
        self.commands_seen = 0
        self.moves_seen = 0
        self.power_cycle()

    def power_cycle(self) -> None:
        with self._lock:
            self.pos = [0.0, 0.0]
            self.motion: list[Motion | None] = [None, None]
            self.indexed = False
            self.limits_hit = 0
            self.speed_pct = 100

    def clear_faults(self) -> None:
        with self._lock:
            self.motion = [None if m is not None and m.stuck else m for m in self.motion]

    def _update(self) -> None:
        now = self.clock.now_s()
        for k, m in enumerate(self.motion):
            if m is None or m.stuck:
                continue
            p = m.position(now)
            if m.stop_at is not None and (p - m.stop_at) * (m.target - m.p0) >= 0:
                self.pos[k], self.motion[k] = float(m.stop_at), None
                self.limits_hit |= 1 << (2 * k + (0 if m.target > m.p0 else 1))
            elif now - m.t0_s >= m.duration_s():
                self.pos[k], self.motion[k] = float(m.target), None
            else:
                self.pos[k] = p

    def _go(self, targets: list[int]) -> str:
        if any(m is not None for m in self.motion):
            return "E,2"  # NOT IDLE: the host must send I before re-targeting (§2.2)
        if any(not 0 <= t <= self.limit for t in targets):
            return "E,8"
        for k, t in enumerate(targets):
            self.moves_seen += 1
            m = Motion(
                self.clock.now_s(), round(self.pos[k]), t, self.v * self.speed_pct / 100, self.a
            )
            if self.plan.fires("stall", self.moves_seen) or self.plan.fires(
                "limit", self.moves_seen
            ):
                m.stop_at = round((m.p0 + t) / 2)
            m.stuck = self.plan.fires("busy", self.moves_seen)
            self.motion[k] = m
        return "R"

    def handle_line(self, line: str) -> list[str]:
        with self._lock:
            self.commands_seen += 1
            n = self.commands_seen
            if self.plan.fires("powercycle", n):
                self.power_cycle()
                return ["\x00"]
            self._update()
            text = line.strip().upper()
            words = [text] if text in ("=", "$", "?") else [w for w in SPLIT.split(text) if w]
            reply = self._execute(words)
            if self.plan.fires("drop", n):
                return []
            if self.plan.fires("corrupt", n):
                reply = "#" + reply[1:] if reply else "#"
            return [reply + "\r"]

    def _execute(self, words: list[str]) -> str:
        if not words:
            return "E,4"
        head, args = words[0], words[1:]
        try:
            nums = [int(float(a)) for a in args]
        except ValueError:
            return "E,4"
        pos = [round(p) for p in self.pos]
        if head == "G" and len(nums) == 2:
            return self._go(nums) if self.indexed else "E,16"
        if head == "GR" and len(nums) == 2:
            return self._go([pos[0] + nums[0], pos[1] + nums[1]]) if self.indexed else "E,16"
        if head in ("P", "PS") and not nums:
            return f"{pos[0]},{pos[1]}" + (",0" if head == "P" else "")
        if head == "PS" and len(nums) == 2:
            self.pos = [float(nums[0]), float(nums[1])]
            return "0"
        if head in ("PX", "PY") and not nums:
            return str(pos[0 if head == "PX" else 1])
        if head == "Z":
            self.pos = [0.0, 0.0]
            return "0"
        if head == "SIS":
            self.motion = [Motion(self.clock.now_s(), pos[k], 0, self.v, self.a) for k in (0, 1)]
            self.indexed = True
            return "R"
        if head == "M":
            return self._go([0, 0]) if self.indexed else "E,16"
        if head == "$":
            return str(sum(1 << k for k, m in enumerate(self.motion) if m is not None))
        if head == "=":
            hit, self.limits_hit = self.limits_hit, 0
            return f"{hit:X}"
        if head in ("I", "K"):
            self.motion = [None, None]
            return "R"
        if head == "SMS":
            if nums and not 1 <= nums[0] <= 100:
                return "E,8"
            self.speed_pct = nums[0] if nums else self.speed_pct
            return "0" if nums else str(self.speed_pct)
        if head == "VERSION":
            return "100"
        if head == "SERIAL":
            return "12345"
        if head == "?":
            return "DRIVE CHIPS 00000011\rJOYSTICK ACTIVE\rSTAGE = H101/2\rEND"
        return "E,5"
