"""Layering rules, emulator CLI, and every example campaign validates."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from explorer.cli import main
from tests.conftest import CAMPAIGNS, REPO


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


@pytest.mark.parametrize("path", sorted(CAMPAIGNS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_campaign_validates(path, capsys) -> None:
    from tests.campaigns.test_examples import example  # external data: skip when absent

    assert main(["validate", str(example(path))]) == 0, capsys.readouterr().err


def test_emulate_serves_and_stops(capsys) -> None:
    assert main(["emulate", "zaber", "--port", "0", "--serve-s", "0"]) == 0
    assert "zaber emulator listening on socket://127.0.0.1:" in capsys.readouterr().out


def test_emulate_on_a_pty(capsys) -> None:
    assert main(["emulate", "prior", "--pty", "--serve-s", "0"]) == 0
    assert "prior emulator listening on /dev/" in capsys.readouterr().out


def test_emulate_rejects_bad_input(capsys) -> None:
    assert main(["emulate", "newport", "--serve-s", "0"]) == 2
    assert main(["emulate", "zaber", "--fault", "explode@1", "--serve-s", "0"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "not one of: zaber, prior" in err[0] and "--fault" in err[1]
