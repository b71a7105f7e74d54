"""Tests mirror the package tree: code in explorer/foo/bar.py is tested in
tests/explorer/foo/test_bar.py. This keeps the share of modules that hold logic and have such a
same-path test file at or above `MIN_SAME_PATH_SHARE`.

A module *holds logic* when at least one function or method in it has a body that is more than
a docstring followed by at most one trivial statement (`pass`, `...`, `return` of nothing or of
a constant, `raise NotImplementedError`). Modules of only dataclasses, constants, protocols and
enums therefore do not count. `__init__.py` files never count.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("explorer", "hardware", "novelty")
MIN_SAME_PATH_SHARE = 0.80


def _trivial(body: list[ast.stmt]) -> bool:
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if len(body) > 1:
        return False
    if not body:
        return True
    stmt = body[0]
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True
    if isinstance(stmt, ast.Return):
        return stmt.value is None or isinstance(stmt.value, ast.Constant)
    return isinstance(stmt, ast.Raise) and "NotImplementedError" in ast.dump(stmt)


def holds_logic(path: Path) -> bool:
    """Whether any function or method of the module does more than a trivial body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    return any(isinstance(n, functions) and not _trivial(n.body) for n in ast.walk(tree))


def same_path_test(module: Path) -> Path:
    rel = module.relative_to(REPO)
    return REPO / "tests" / rel.parent / f"test_{rel.name}"


def logic_modules() -> list[Path]:
    modules = [p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))]
    return [p for p in modules if p.name != "__init__.py" and holds_logic(p)]


def test_holds_logic_rule(tmp_path: Path) -> None:
    declared = tmp_path / "values.py"
    declared.write_text(
        "from dataclasses import dataclass\n\n\n@dataclass(frozen=True)\nclass A:\n    x: int\n\n"
        '    def name(self) -> str:\n        """The name."""\n        return "a"\n\n\n'
        "class P:\n    def run(self) -> None: ...\n"
    )
    worker = tmp_path / "work.py"
    worker.write_text("def f(x: int) -> int:\n    return x + 1\n")
    assert not holds_logic(declared)
    assert holds_logic(worker)


def test_most_modules_with_logic_have_a_same_path_test() -> None:
    modules = logic_modules()
    missing = [str(m.relative_to(REPO)) for m in modules if not same_path_test(m).exists()]
    share = 1 - len(missing) / len(modules)
    assert share >= MIN_SAME_PATH_SHARE, (
        f"only {share:.0%} of {len(modules)} modules with logic have a same-path test file "
        f"(need {MIN_SAME_PATH_SHARE:.0%}); add tests/<package path>/test_<module>.py for some "
        f"of: {', '.join(missing)}"
    )
