"""Shared pieces of the bad-input fuzz tests: run the CLI capturing its output, hash input
files, and hypothesis strategies for hostile values and for mutating nested configs."""

from __future__ import annotations

import copy
import hashlib
import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from explorer.cli import main

UNIT_SUFFIXES = ("_mm", "_um", "_s", "_v", "_hz", "_deg", "_h", "_m")

hostile_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 10**100, 2**63, -(2**63) - 1, 0, -1, 0.5, 1e-320]),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.sampled_from(["10 mm", "5um", "1e3 V", "0.5 h", "3 min", "NaN", ".inf", "yes", "0x10"]),
    st.sampled_from(["", " ", "\u202e", "\x00", "\U0001f52c", "Sm\u0301", "../../etc/passwd"]),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `explorer argv...` in this process."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_one_line_errors(code: int, err: str, *, allow_ok: bool = True) -> None:
    """Exit 2 with one `error: <key or file>: <problem>` line per problem, no traceback;
    or (allow_ok) success."""
    assert "Traceback" not in err, err
    if code == 0 and allow_ok:
        return
    assert code == 2, (code, err)
    lines = err.strip().splitlines()
    assert lines, "an error exit must say why"
    for line in lines:
        assert line.startswith("error: ") and len(line) > len("error: ") + 5, line


def digest(paths: list[Path]) -> dict[str, str]:
    """SHA-256 of every file under the given files / directories."""
    out: dict[str, str] = {}
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for f in files:
            out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def node_paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths (keys / indices) of every node below the root of nested dicts and lists."""
    out: list[tuple[Any, ...]] = []
    if not isinstance(tree, dict | list):
        return out
    items = tree.items() if isinstance(tree, dict) else enumerate(tree)
    for k, v in items:
        out.append((*prefix, k))
        out += node_paths(v, (*prefix, k))
    return out


def _parent(tree: Any, path: tuple[Any, ...]) -> Any:
    for k in path[:-1]:
        tree = tree[k]
    return tree


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """`base` with 1-3 hostile edits: a value replaced, a key deleted, an unknown key added,
    or a unit suffix swapped in a key name."""
    tree = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = node_paths(tree)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(tree, path)
        key = path[-1]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add", "unit"]))
        if action == "replace" or not isinstance(parent, dict):
            parent[key] = draw(hostile_values)
        elif action == "delete":
            del parent[key]
        elif action == "add":
            parent[draw(st.text(min_size=1, max_size=12))] = draw(hostile_values)
        else:
            stem = str(key)
            for suffix in UNIT_SUFFIXES:
                if stem.endswith(suffix):
                    stem = stem[: -len(suffix)]
                    break
            parent[stem + draw(st.sampled_from(UNIT_SUFFIXES))] = parent.pop(key)
    return tree
