"""Paths written in a campaign YAML or on the command line, on Windows and elsewhere.

A campaign file may be written on the Windows lab PC: `C:\\Users\\lab\\exchange` (unquoted or in
single quotes; in double quotes YAML needs `\\\\`), `runs\\lab` or `D:/data/lib.h5`.

* On Windows every form is a normal path (drive letters, `\\` and `/` separators, UNC shares).
* Elsewhere a relative path written with `\\` separators means the same folders (`runs\\lab` is
  `runs/lab`), so one campaign file serves both machines; a Windows absolute path (a drive
  letter or a `\\\\server\\share`) names nothing on this machine and is refused with one line.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated, Any

from pydantic import BeforeValidator


def portable_path(value: Any, *, windows: bool | None = None) -> Path:
    """A path from user text (see module docstring); ValueError for a foreign absolute path.

    `windows` defaults to the running platform (tests pass it to check both behaviours)."""
    if isinstance(value, PurePosixPath | PureWindowsPath):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a path, got {type(value).__name__}")
    on_windows = os.name == "nt" if windows is None else windows
    win = PureWindowsPath(value)
    if on_windows:
        return Path(value)
    if win.drive or value.startswith("\\\\"):
        raise ValueError(
            f"{value!r} is a Windows path (drive letter or network share), which names nothing "
            "on this machine; use a path of this machine here, or run on the Windows lab PC"
        )
    return Path(value.replace("\\", "/")) if "\\" in value else Path(value)


PortablePath = Annotated[Path, BeforeValidator(portable_path)]
"""A config field holding a path that may be written the Windows way (module docstring)."""
