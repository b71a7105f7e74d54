"""Golden files: compare a produced text with a recorded reference, with a readable diff.

Set COMBI_UPDATE_GOLDEN=1 to (re)write the references from the current output instead; review
the change with `git diff tests/hardware/golden/` and commit it with the code that caused it.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_ENV = "COMBI_UPDATE_GOLDEN"


def golden_diff(expected: str, actual: str, name: str) -> str:
    """A unified diff of the reference and this run (empty when they agree)."""
    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            f"golden/{name}",
            "this run",
            n=3,
        )
    )


def assert_golden(actual: str, name: str) -> None:
    """Fail with the diff when `actual` differs from golden/<name> (or rewrite it, see above)."""
    path = GOLDEN_DIR / name
    if os.environ.get(UPDATE_ENV) == "1":
        path.write_text(actual, encoding="utf-8", newline="\n")
    if not path.exists():
        pytest.fail(f"{path} is missing; record it with {UPDATE_ENV}=1")
    diff = golden_diff(path.read_text(encoding="utf-8"), actual, name)
    if diff:
        pytest.fail(
            f"the Igor command files differ from {path.name}; if the change is intended, "
            f"rerun with {UPDATE_ENV}=1 and commit the new reference\n{diff}",
            pytrace=False,
        )
