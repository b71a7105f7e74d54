"""Layering rules of the hardware package."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_hardware_never_imports_explorer_torch_or_matplotlib() -> None:
    for path in (REPO / "hardware").rglob("*.py"):
        bad = {n for n in _imports(path) if n.split(".")[0] in ("explorer", "torch", "matplotlib")}
        assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"


def test_igor2_is_imported_only_by_the_vendor_bridge() -> None:
    users = [p for p in (REPO / "hardware").rglob("*.py") if "igor2" in _imports(p)]
    assert [p.name for p in users] == ["asylum.py"]
