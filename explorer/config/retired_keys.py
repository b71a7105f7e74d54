"""Config keys that earlier versions wrote and this version no longer has.

A run directory's config.yaml holds the resolved config, every default filled in, so a key that
is retired from the schema is in every run an earlier version recorded. Such a run must still
resume, plot and report: `strip_retired` removes the retired keys from the recorded data (the
file itself is never rewritten) and says what it removed, so the resume can log it. A campaign
file that still sets a retired key is refused with the reason and the fix (`refuse_retired`),
as every unknown key is.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from explorer.errors import ConfigError


@dataclass(frozen=True)
class RetiredKey:
    """`key` inside any mapping held under `parent` (at any depth) is retired, for `why`."""

    parent: str
    key: str
    why: str


RETIRED_KEYS: tuple[RetiredKey, ...] = (
    RetiredKey(
        parent="gp",
        key="engine",
        why="the GP hyperparameters are always fitted through gpytorch's exact marginal "
        "likelihood; the closed-form engine fitted the same objective (same hyperparameters "
        "to rtol 1e-4)",
    ),
)


@dataclass(frozen=True)
class RetiredValue:
    """One retired key found in a config: where, what it said, and why it is gone."""

    path: str
    value: Any
    why: str

    def describe(self) -> str:
        return f"{self.path}: {self.value!r} is a retired key, ignored ({self.why})"


def find_retired(data: Any) -> list[RetiredValue]:
    """Every retired key in parsed YAML data, with its dotted path. Each mapping and list is
    visited once: YAML aliases share one object among many places (an alias bomb would
    otherwise expand to billions of visits before validation refuses it)."""
    found: list[RetiredValue] = []
    seen: set[int] = set()

    def visit(node: Any, path: str) -> None:
        if isinstance(node, dict | list):
            if id(node) in seen:
                return
            seen.add(id(node))
        if isinstance(node, dict):
            for name, value in node.items():
                here = f"{path}.{name}" if path else str(name)
                for r in RETIRED_KEYS:
                    if name == r.parent and isinstance(value, dict) and r.key in value:
                        found.append(RetiredValue(f"{here}.{r.key}", value[r.key], r.why))
                visit(value, here)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                visit(item, f"{path}[{i}]")

    visit(data, "")
    return found


def strip_retired(data: Any) -> tuple[Any, list[RetiredValue]]:
    """A copy of `data` without its retired keys, and what was removed."""
    found = find_retired(data)
    if not found:
        return data, []
    clean = copy.deepcopy(data)
    seen: set[int] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict | list):
            if id(node) in seen:
                return
            seen.add(id(node))
        if isinstance(node, dict):
            for name, value in node.items():
                for r in RETIRED_KEYS:
                    if name == r.parent and isinstance(value, dict):
                        value.pop(r.key, None)
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(clean)
    return clean, found


def refuse_retired(data: Any, source: str) -> None:
    """ConfigError naming every retired key a campaign file sets, and the fix (delete it)."""
    found = find_retired(data)
    if found:
        problems = tuple(f"{source}: {r.path}: retired key; delete it ({r.why})" for r in found)
        raise ConfigError(problems[0], problems)
