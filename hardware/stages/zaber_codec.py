"""Zaber ASCII protocol codec: commands, replies, checksums (reference §2.2).

    request  /[device] [axis] [id] command [args][:CC]\\n
    reply    @dd a [id] FLAG STATUS WW data[:CC]\\r\\n      FLAG ∈ {OK, RJ}, STATUS ∈ {BUSY, IDLE}
    info     #dd a [id] text          alert  !dd a STATUS WW

CC is the LRC checksum: the two's complement of the byte sum of everything between the leading
type character and the colon, as two upper-case hex digits. Parsing is strict: anything that
does not follow the grammar (or fails its checksum) raises `ZaberCodecError`, which the driver
treats as a corrupted line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hardware.errors import HardwareError

_FLAGS = (
    "FF FN FZ FH FV FO FD FC FM FQ FI FA FR FS FB FP FE FT "
    "WL WV WT WS WM WP WR WH NC NI ND NR NT NU NJ NB"
)
WARNING_FLAGS = frozenset(_FLAGS.split(" "))
FAULT_FLAGS = frozenset(f for f in WARNING_FLAGS if f.startswith("F"))
REPLY_RE = re.compile(
    r"^@(?P<dev>\d{2}) (?P<axis>\d+) (?:(?P<id>\d{2}) )?(?P<flag>OK|RJ) (?P<status>BUSY|IDLE) "
    r"(?P<warn>--|[FWN][A-Z]) (?P<data>.*)$"
)
COMMAND_RE = re.compile(
    r"^/(?:(?P<dev>\d+)(?: (?P<axis>\d+)(?: (?P<id>\d{1,2}))?)?)?(?: ?(?P<text>.*))?$"
)


class ZaberCodecError(HardwareError):
    """A line that is not valid Zaber ASCII (garbage, truncated, bad checksum)."""


def lrc(body: str) -> str:
    """Two's-complement byte-sum checksum of `body`, as two upper-case hex digits."""
    return f"{(-sum(body.encode('ascii'))) & 0xFF:02X}"


def _split_checksum(line: str) -> str:
    if ":" not in line:
        return line
    head, _, cc = line.rpartition(":")
    if len(cc) != 2 or lrc(head[1:]) != cc.upper():
        raise ZaberCodecError(f"bad checksum in {line!r}")
    return head


@dataclass(frozen=True)
class ZaberCommand:
    device: int
    axis: int
    message_id: int | None
    text: str  # "move abs 1000", "" for a bare status request


def format_command(cmd: ZaberCommand, *, checksum: bool = True) -> str:
    ident = f" {cmd.message_id:02d}" if cmd.message_id is not None else ""
    body = f"{cmd.device} {cmd.axis}{ident}" + (f" {cmd.text}" if cmd.text else "")
    return "/" + body + (f":{lrc(body)}" if checksum else "") + "\n"


def parse_command(line: str) -> ZaberCommand:
    """Parse a request line (emulator side). `/` alone addresses every device, axis 0."""
    line = line.strip("\r\n")
    if not line.startswith("/"):
        raise ZaberCodecError(f"a command must start with '/': {line!r}")
    m = COMMAND_RE.match(_split_checksum(line))
    if m is None:
        raise ZaberCodecError(f"cannot parse command {line!r}")
    words = (m["text"] or "").split()
    dev, axis, ident = int(m["dev"] or 0), int(m["axis"] or 0), m["id"]
    return ZaberCommand(dev, axis, int(ident) if ident is not None else None, " ".join(words))


@dataclass(frozen=True)
class ZaberReply:
    device: int
    axis: int
    message_id: int | None
    flag: str  # OK / RJ
    status: str  # BUSY / IDLE
    warning: str  # "--" or the highest-priority flag
    data: str

    @property
    def busy(self) -> bool:
        return self.status == "BUSY"

    def ints(self) -> list[int]:
        try:
            return [int(v) for v in self.data.split()]
        except ValueError:
            raise ZaberCodecError(f"expected integers in reply data, got {self.data!r}") from None


def format_reply(r: ZaberReply, *, checksum: bool = True) -> str:
    ident = f" {r.message_id:02d}" if r.message_id is not None else ""
    body = f"{r.device:02d} {r.axis}{ident} {r.flag} {r.status} {r.warning} {r.data}"
    return "@" + body + (f":{lrc(body)}" if checksum else "") + "\r\n"


def parse_reply(line: str) -> ZaberReply:
    """Parse a `@` reply strictly; ZaberCodecError if it is anything else or corrupt."""
    text = line.strip("\r\n")
    if "\x00" in text:
        raise ZaberCodecError("NUL byte on the line (controller power-cycled)")
    m = REPLY_RE.match(_split_checksum(text))
    if m is None:
        raise ZaberCodecError(f"not a Zaber reply: {line!r}")
    warn = m["warn"]
    if warn != "--" and warn not in WARNING_FLAGS:
        raise ZaberCodecError(f"unknown warning flag {warn!r} in {line!r}")
    ident = m["id"]
    return ZaberReply(
        int(m["dev"]),
        int(m["axis"]),
        int(ident) if ident is not None else None,
        m["flag"],
        m["status"],
        warn,
        m["data"],
    )


def parse_warnings(data: str) -> frozenset[str]:
    """Data of a `warnings` reply: 'NN F1 F2 ...' (count, then flags)."""
    words = data.split()
    if not words or not words[0].isdigit() or int(words[0]) != len(words) - 1:
        raise ZaberCodecError(f"malformed warnings data {data!r}")
    bad = [w for w in words[1:] if w not in WARNING_FLAGS]
    if bad:
        raise ZaberCodecError(f"unknown warning flags {bad}")
    return frozenset(words[1:])
