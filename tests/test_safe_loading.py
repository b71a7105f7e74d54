"""Audit of the code base: nothing loads untrusted files unsafely.

Walks the syntax tree of every module in explorer/, hardware/ and novelty/ and fails on: pickle
and its relatives (pickle, cPickle, dill, shelve, marshal, joblib), `np.load` without a literal
`allow_pickle=False`, YAML loading other than the safe loaders, `torch.load` without
`weights_only=True`, and `eval`/`exec` of strings. New code that needs one of these must make
the case in review and extend the allow-list here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = ("explorer", "hardware", "novelty")
FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "dill", "shelve", "marshal", "joblib"}
SAFE_YAML_LOADERS = {"SafeLoader", "CSafeLoader", "_LimitedLoader"}
UNSAFE_YAML = {"unsafe_load", "full_load", "load_all", "unsafe_load_all", "full_load_all"}


def _sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py"))


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_const(node: ast.expr | None, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def problems_in(tree: ast.AST) -> list[str]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            bad = {n.split(".")[0] for n in names} & FORBIDDEN_MODULES
            if bad:
                out.append(f"line {node.lineno}: imports {sorted(bad)}")
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        where = f"line {node.lineno}: {name}"
        if name in ("np.load", "numpy.load") and not _is_const(_kw(node, "allow_pickle"), False):
            out.append(f"{where} without allow_pickle=False")
        if name.startswith("yaml.") and name.split(".")[-1] in UNSAFE_YAML:
            out.append(f"{where} (use yaml.safe_load or explorer.config.read_yaml)")
        if name == "yaml.load":
            loader = _kw(node, "Loader")
            loader_name = _dotted(loader).split(".")[-1] if loader is not None else ""
            if loader_name not in SAFE_YAML_LOADERS:
                out.append(f"{where} with Loader={loader_name or 'missing'}")
        if name == "torch.load" and not _is_const(_kw(node, "weights_only"), True):
            out.append(f"{where} without weights_only=True")
        if name in ("eval", "exec"):
            out.append(f"{where} of a string")
    return out


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_unsafe_loading(path: Path) -> None:
    problems = problems_in(ast.parse(path.read_text(encoding="utf-8")))
    assert not problems, f"{path.relative_to(REPO)}: " + "; ".join(problems)


@pytest.mark.parametrize(
    "code",
    [
        "import pickle",
        "from joblib import load",
        "np.load(p)",
        "np.load(p, allow_pickle=True)",
        "yaml.load(t, Loader=yaml.Loader)",
        "yaml.full_load(t)",
        "torch.load(f)",
        "eval(s)",
    ],
)
def test_the_audit_catches_each_pattern(code: str) -> None:
    assert problems_in(ast.parse(code))
