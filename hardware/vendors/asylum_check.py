"""Checking a lab's Igor set-up for the Asylum bridge before arming, without moving anything.

Steps, each giving findings (ok or a problem with its fix):

1. the exchange folder exists and is writable, and its `buffer/` and `data/` folders can be made;
2. the lab's procedure files (`.ipf`), if given, declare every user function the bridge calls;
3. igor2 (needed to read the .ibw data files) is installed;
4. with Igor running, two read-only round trips through the exchange folder: the first asks for
   each panel (`WinType`), each function (`exists`, 6 = user function) and each value the bridge
   reads (`GV`); the second asks `ControlInfo` for every control on the panels that exist
   (`V_flag` 0 = no such control). Nothing is pressed, set or moved; a command file that Igor
   never takes is reported with the fix (is Igor watching the folder, is `igor_command` right).
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from hardware.errors import HardwareError
from hardware.vendors.asylum import (
    AR_FUNCTIONS,
    CONTROLS,
    GV_KEYS,
    USER_FUNCTIONS,
    AsylumBridge,
)

# `Function Name(`, with optional /S /D /C /WAVE flags and ThreadSafe / Static / Override
_DECLARATION = re.compile(
    r"^\s*(?:(?:threadsafe|static|override)\s+)*function(?:\s*/\s*\w+)*\s+(\w+)\s*\(",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class Finding:
    """One checked item: `ok`, what was checked, and (for a problem) what to do."""

    ok: bool
    item: str
    detail: str = ""

    def line(self) -> str:
        return f"{'ok     ' if self.ok else 'PROBLEM'}  {self.item}" + (
            f": {self.detail}" if self.detail else ""
        )


def check_exchange_dir(path: Path) -> list[Finding]:
    """The folder exists, is a folder, and a file can be created and removed in it."""
    item = f"exchange folder {path}"
    if not path.exists():
        return [Finding(False, item, "does not exist; create it or fix pfm.exchange_dir")]
    if not path.is_dir():
        return [Finding(False, item, "is not a folder; point pfm.exchange_dir at a folder")]
    try:
        for sub in ("buffer", "data"):
            (path / sub).mkdir(exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=path / "buffer")
        os.close(fd)
        Path(probe).unlink()
    except OSError as exc:
        return [Finding(False, item, f"is not writable ({exc.strerror}); fix its permissions")]
    return [Finding(True, item, "exists and is writable (buffer/ and data/ ready)")]


def declared_functions(texts: Iterable[str]) -> set[str]:
    """Names of the functions declared in Igor procedure text (case as written)."""
    return {m[1] for text in texts for m in _DECLARATION.finditer(text)}


def check_procedure_files(paths: list[Path]) -> list[Finding]:
    """Every user function of the bridge is declared in one of the procedure files."""
    texts = []
    for p in paths:
        try:
            texts.append(p.read_bytes().decode("utf-8", "replace"))
        except OSError as exc:
            return [Finding(False, f"procedure file {p}", f"cannot be read ({exc.strerror})")]
    declared = {name.lower() for name in declared_functions(texts)}
    where = ", ".join(p.name for p in paths)
    return [
        Finding(True, f"function {name}", f"declared in {where}")
        if name.lower() in declared
        else Finding(False, f"function {name}", f"not declared in {where}; add it: {what}")
        for name, what in USER_FUNCTIONS.items()
    ]


def check_reader() -> list[Finding]:
    if importlib.util.find_spec("igor2") is None:  # only the bridge imports it
        return [Finding(False, "igor2", "not installed; pip install 'combi-explorer[asylum]'")]
    return [Finding(True, "igor2", "installed (reads the .ibw data files)")]


def probe_igor(bridge: AsylumBridge) -> list[Finding]:
    """The two read-only round trips (module docstring, step 4)."""
    panels = sorted(set(CONTROLS.values()))
    functions = [*AR_FUNCTIONS, *USER_FUNCTIONS]
    first: list[tuple[list[str], str]] = [([], f'WinType("{p}")') for p in panels]
    first += [([], f'exists("{f}")') for f in functions]
    first += [([], f'GV("{k}")') for k in GV_KEYS]
    try:
        values = bridge.read_expressions(first)
    except HardwareError as exc:
        _withdraw_probe(bridge)
        return [Finding(False, "Igor round trip", f"{exc}; {_igor_fix(bridge)}")]
    findings = [Finding(True, "Igor round trip", "Igor took a command file and wrote readout")]
    n_p, n_f = len(panels), len(functions)
    open_panels = [p for p, v in zip(panels, values[:n_p], strict=True) if v != 0]
    findings += [_panel(p, p in open_panels) for p in panels]
    findings += [
        Finding(v == 6, f"function {f}", "" if v == 6 else f"Igor does not know it ({_fn_fix(f)})")
        for f, v in zip(functions, values[n_p : n_p + n_f], strict=True)
    ]
    findings += [
        Finding(math.isfinite(v), f"value GV({k!r})", f"= {v:g}" if math.isfinite(v) else
                "is not a number; check the key in this Asylum software version")
        for k, v in zip(GV_KEYS, values[n_p + n_f :], strict=True)
    ]  # fmt: skip
    return findings + _probe_controls(bridge, open_panels)


def _probe_controls(bridge: AsylumBridge, open_panels: list[str]) -> list[Finding]:
    controls = [(c, p) for c, p in CONTROLS.items() if p in open_panels]
    if not controls:
        return []
    items = [([f"ControlInfo/W={p} {c}"], "V_Flag") for c, p in controls]
    try:
        flags = bridge.read_expressions(items)
    except HardwareError as exc:
        _withdraw_probe(bridge)
        return [Finding(False, "control probe", f"{exc}; {_igor_fix(bridge)}")]
    return [
        Finding(f != 0, f"control {c} on {p}", "" if f != 0 else
                "no such control; this Asylum version names it differently (see "
                "docs/asylum-igor.md)")
        for (c, p), f in zip(controls, flags, strict=True)
    ]  # fmt: skip


def _withdraw_probe(bridge: AsylumBridge) -> None:
    """Remove a probe file Igor never took, so a later Igor does not run a stale command."""
    try:
        text = bridge.cmd_file.read_text(encoding="ascii")
    except OSError:
        return
    if text.startswith("Make/N=") and "ReadOut" in text:
        bridge.cmd_file.unlink(missing_ok=True)


def _panel(panel: str, is_open: bool) -> Finding:
    if is_open:
        return Finding(True, f"panel {panel}", "open")
    return Finding(False, f"panel {panel}", "not open; open it in the Asylum software first")


def _fn_fix(name: str) -> str:
    if name in USER_FUNCTIONS:
        return f"include the lab procedure file that declares it: {USER_FUNCTIONS[name]}"
    return "is the Asylum Research software loaded in this Igor experiment?"


def _igor_fix(bridge: AsylumBridge) -> str:
    if bridge.igor_command:
        return f"check that {bridge.igor_command[0]!r} runs Igor on the command file"
    return f"is Igor running and watching {bridge.dir}?"


def check_igor(
    bridge_factory: Callable[[], AsylumBridge],
    exchange_dir: Path,
    procedure_files: list[Path],
    *,
    probe: bool = True,
) -> list[Finding]:
    """All checks in order; the Igor probe only when the folder is usable and `probe` is set.

    `bridge_factory()` builds the AsylumBridge (called only once the folder checked out)."""
    findings = check_exchange_dir(exchange_dir)
    if procedure_files:
        findings += check_procedure_files(procedure_files)
    findings += check_reader()
    if probe and all(f.ok for f in findings[:1]):
        findings += probe_igor(bridge_factory())
    return findings
