"""Run product code as if on Windows: POSIX-only modules and calls are unavailable to it.

`python -m tests.posix_free OUT_DIR` installs the restrictions, imports every module of
explorer/, hardware/ and novelty/, then runs a short simulated campaign (run, resume, plot,
report, recover) into OUT_DIR and prints `ok`. An import of fcntl, resource, termios, pty, tty,
grp or pwd made by a product module raises ImportError (third-party packages keep their own
platform switches: pyserial and filelock pick their POSIX back ends here, their Windows ones
there), and os.fork, os.forkpty, signal.SIGHUP and signal.SIGQUIT do not exist.
"""

from __future__ import annotations

import builtins
import importlib
import os
import pkgutil
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

POSIX_ONLY = frozenset({"fcntl", "resource", "termios", "pty", "tty", "grp", "pwd"})
PRODUCT = ("explorer", "hardware", "novelty")
# os.statvfs stays: on POSIX the standard library's own shutil.disk_usage needs it (on Windows it
# uses the nt module); product code reaches it only through getattr with a fallback
REMOVED = ((os, ("fork", "forkpty")), (signal, ("SIGHUP", "SIGQUIT")))


class PosixOnlyBlocker:
    """Wraps `__import__`: an import statement in a product module naming a POSIX-only module
    raises ImportError, whether or not that module is loaded already (a stdlib or third-party
    import of it stays allowed, as it has its own platform switch)."""

    def __init__(self) -> None:
        self.refused: list[str] = []
        self._import = builtins.__import__

    def __call__(
        self,
        name: str,
        globals: Mapping[str, object] | None = None,
        locals: Mapping[str, object] | None = None,
        fromlist: Sequence[str] = (),
        level: int = 0,
    ) -> ModuleType:
        importer = str((globals or {}).get("__name__", ""))
        if (
            level == 0
            and name.split(".", maxsplit=1)[0] in POSIX_ONLY
            and importer.split(".", maxsplit=1)[0] in PRODUCT
        ):
            self.refused.append(f"{importer} imports {name}")
            raise ImportError(f"{name} does not exist on Windows (imported by {importer})")
        return self._import(name, globals, locals, fromlist, level)


def install() -> PosixOnlyBlocker:
    blocker = PosixOnlyBlocker()
    builtins.__import__ = blocker
    for module, names in REMOVED:
        for name in names:
            if hasattr(module, name):
                delattr(module, name)
    return blocker


def import_all() -> list[str]:
    names = []
    for top in PRODUCT:
        package = importlib.import_module(top)
        names.append(top)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{top}."):
            if info.name.endswith(".__main__"):  # runs the CLI when imported
                continue
            importlib.import_module(info.name)
            names.append(info.name)
    return names


def run_campaign(out: Path) -> None:
    import yaml

    from explorer.cli import main
    from tests.conftest import BASE_CONFIG

    cfg = dict(BASE_CONFIG, stop={"max_points": 4}, output={"dir": str(out / "runs")})
    path = out / "campaign.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["validate", str(path)]) == 0
    assert main(["run", str(path), "-q"]) == 0
    (run,) = [p for p in (out / "runs").iterdir() if p.is_dir() and not p.is_symlink()]
    for argv in (["resume", str(run), "-q", "--max-points", "6"], ["recover", str(run)]):
        assert main(argv) == 0, argv
    assert main(["plot", str(run)]) == 0 and main(["report", str(run)]) == 0


if __name__ == "__main__":
    blocker = install()
    modules = import_all()
    run_campaign(Path(sys.argv[1]))
    # a refusal that reached here was caught by a product fallback (e.g. bench memory's RSS)
    handled = f"; fallbacks taken: {blocker.refused}" if blocker.refused else ""
    print(f"ok: {len(modules)} modules imported, campaign run without POSIX-only modules{handled}")
