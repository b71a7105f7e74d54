"""Checks on the hardware journal shared by the exit and signal tests."""

from __future__ import annotations

from typing import Any


def journal_ends_safe(records: list[dict[str, Any]]) -> None:
    """After the last visit the facade recorded a confirmed safe state (stage stop answered,
    bias 0 V, retracted) and closed the instrument."""
    kinds = [r["kind"] for r in records]
    assert kinds[-1] == "close", kinds[-5:]
    last_visit = max((i for i, k in enumerate(kinds) if k in ("visit", "spot")), default=-1)
    safe = [r for r in records[last_visit + 1 :] if r["kind"] == "safe_state"]
    assert safe, "no safe_state after the last measurement"
    assert safe[-1]["stage_stopped"] is True and safe[-1]["bias_zero"] is True
    assert safe[-1]["retracted"] is True and safe[-1]["position_mm"] != "unknown"
    states = [r for r in records if r["kind"] == "state"]
    assert states and states[-1]["to"] == "DISCONNECTED", states[-1:]
