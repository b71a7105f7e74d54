"""Architecture rules, checked on the real import graph: one-way layers, no import cycles,
imports at the top of their files except the heavy packages listed in explorer.heavy_modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from explorer.heavy_modules import HEAVY_MODULES, LAZY_PACKAGES
from tests.conftest import REPO

PACKAGES = ("explorer", "hardware", "novelty")


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
    allowed = ("explorer/models/", "explorer/strategies/", "novelty/")
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
        "heavy = sorted(m for m in ('torch', 'gpytorch', 'botorch', 'matplotlib', 'pandas') "
        "if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout, proc.stdout


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, tuple[str, ast.Module]]:
    """module name -> (repo-relative path, parsed tree) of every product module."""
    out = {}
    for pkg in PACKAGES:
        for path in (REPO / pkg).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            out[_module_name(path)] = (str(path.relative_to(REPO)), tree)
    return out


def _function_imports(tree: ast.Module) -> list[tuple[int, str]]:
    found = []
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(fn):
                if isinstance(node, ast.Import):
                    found += [(node.lineno, a.name) for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


def test_function_level_imports_are_only_the_listed_heavy_packages() -> None:
    bad = [
        f"{path}:{line} {name}"
        for path, tree in _sources().values()
        for line, name in _function_imports(tree)
        if name.split(".")[0] not in LAZY_PACKAGES
    ]
    assert not bad, "import these at the top of the file:\n" + "\n".join(bad)


def _top_level_imports(tree: ast.Module) -> set[str]:
    """Modules a file imports when it is imported (not inside functions or TYPE_CHECKING)."""
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def test_heavy_modules_really_load_their_package() -> None:
    """Each entry of HEAVY_MODULES imports its package when imported (directly or through the
    project modules it imports at the top), so deferring it is what keeps start-up light."""
    sources = _sources()
    imports = {m: _top_level_imports(tree) for m, (_, tree) in sources.items()}

    def loads(module: str, package: str, seen: set[str]) -> bool:
        direct = imports.get(module, set())
        if any(n.split(".")[0] == package for n in direct):
            return True
        seen.add(module)
        return any(loads(n, package, seen) for n in direct if n in imports and n not in seen)

    light = [m for m, package in HEAVY_MODULES.items() if not loads(m, package, set())]
    assert not light, light


def _edges() -> dict[str, set[str]]:
    """module -> project modules it imports anywhere (top, functions, TYPE_CHECKING, heavy())."""
    sources = _sources()
    graph: dict[str, set[str]] = {m: set() for m in sources}
    for mod, (_, tree) in sources.items():
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # `from package import submodule` depends on the submodule, not on the package
                subs = [f"{node.module}.{a.name}" for a in node.names]
                names = [s for s in subs if s in sources] or [node.module]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "heavy":
                names = [a.value for a in node.args[:1] if isinstance(a, ast.Constant)]
            graph[mod] |= {n for n in names if n in sources and n != mod}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_counting_every_import() -> None:
    cycles = _cycles(_edges())
    assert not cycles, cycles


def test_layers_are_one_way() -> None:
    """engine <- analysis <- plots <- report <- cli: nothing imports a layer above its own, and
    plots draw data (no engine, bench or sweep)."""
    above = {
        "explorer/engine/": (
            "explorer.analysis",
            "explorer.plots",
            "explorer.report",
            "explorer.cli",
        ),
        "explorer/analysis/": (
            "explorer.plots",
            "explorer.report",
            "explorer.cli",
            "explorer.bench",
        ),
        "explorer/plots/": (
            "explorer.engine",
            "explorer.bench",
            "explorer.sweep",
            "explorer.report",
            "explorer.cli",
        ),
        "explorer/report/": ("explorer.cli", "explorer.sweep", "explorer.bench"),
    }
    bad = [
        (f, m)
        for f, m in _imports("explorer")
        for layer, banned in above.items()
        if f.startswith(layer) and m.startswith(banned)
    ]
    assert not bad, bad
