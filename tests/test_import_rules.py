"""Architecture rules of DESIGN.md, checked on the real import graph."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import REPO


def _imports(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (REPO / package).rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {(str(path.relative_to(REPO)), a.name) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add((str(path.relative_to(REPO)), node.module))
    return found


def test_hardware_and_novelty_never_import_explorer() -> None:
    bad = [
        (f, m)
        for pkg in ("hardware", "novelty")
        for f, m in _imports(pkg)
        if m == "explorer" or m.startswith("explorer.")
    ]
    assert not bad, bad


def test_matplotlib_only_in_plots() -> None:
    bad = [
        (f, m)
        for f, m in _imports("explorer") | _imports("hardware") | _imports("novelty")
        if m.startswith("matplotlib") and not f.startswith("explorer/plots/")
    ]
    assert not bad, bad


def test_torch_only_in_models_strategies_novelty() -> None:
    allowed = ("explorer/models/", "explorer/strategies/", "explorer/bench/", "novelty/")
    bad = [
        (f, m)
        for f, m in _imports("explorer") | _imports("hardware")
        if m.split(".")[0] in ("torch", "gpytorch", "botorch") and not f.startswith(allowed)
    ]
    assert not bad, bad


def test_random_campaign_runs_without_torch_or_matplotlib(make_config, write_yaml) -> None:
    path = write_yaml(make_config(stop={"max_points": 3}))
    code = (
        "import sys\n"
        "from explorer.cli import main\n"
        f"rc = main(['run', {str(path)!r}, '-q'])\n"
        "heavy = sorted(m for m in ('torch', 'gpytorch', 'botorch', 'matplotlib') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout, proc.stdout
