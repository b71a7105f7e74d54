"""`explorer vote RUN_DIR`: vote measured spectra good/bad (SANE's human gate).

With `--location ID --good|--bad` one verdict is appended to RUN_DIR/votes.txt; without them the
latest measured locations are listed (id, position, the novelty the model logged for them) and
the user is asked for verdicts one at a time. The running (or a later resumed) campaign reads
the file before its next decision and logs each vote as a `voted` event (explorer/engine/votes.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from explorer.analysis.rundata import RunData
from explorer.cli.app import app, out
from explorer.engine.rundir import is_run_dir
from explorer.engine.votes import append_vote
from explorer.errors import ConfigError


@app.command()
def vote(
    run_dir: Annotated[Path, typer.Argument(help="run directory")],
    location: Annotated[
        int | None, typer.Option("--location", "-l", help="measured location id to vote on")
    ] = None,
    good: Annotated[
        bool | None, typer.Option("--good/--bad", help="the verdict (with --location)")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", "-m", help="why (logged with the vote)")] = "",
    last: Annotated[int, typer.Option(help="interactive: how many latest locations to list")] = 10,
) -> None:
    """Vote a measured location's spectrum good or bad; the strategy's vote model penalises the
    regions around bad ones (novelty strategy). Interactive without --location."""
    if not is_run_dir(run_dir):
        raise ConfigError(
            f"{run_dir} is not a run directory (expected config.yaml and events.jsonl)"
        )
    if (location is None) != (good is None):
        raise ConfigError("--location and --good/--bad go together (or give neither to be asked)")
    data = RunData.load(run_dir)
    measured = {m.location_id: m for m in data.measured}
    if location is not None:
        if location not in measured:
            raise ConfigError(
                f"--location {location} has not been measured in {run_dir}; "
                f"measured ids: {_ids_hint(list(measured))}"
            )
        line = append_vote(run_dir, location, 1 if good else -1, reason)
        out.print(f"appended to {run_dir / 'votes.txt'}: {line}", markup=False)
        return
    if not measured:
        raise ConfigError(f"{run_dir} has no measured locations to vote on yet")
    _interactive(run_dir, data, last)


def _ids_hint(ids: list[int]) -> str:
    return ", ".join(map(str, ids[-10:])) + (" (latest 10)" if len(ids) > 10 else "")


def novelty_by_location(data: Any) -> dict[int, dict[str, float]]:
    """What the novelty strategy logged about each measured location: its integrated novelty
    and the scorers' values (from `info.latest_*` of the next decision), and the novelty the
    model predicted when it chose the location (`mean.novelty`)."""
    out_: dict[int, dict[str, float]] = {}
    for s in data.suggested:
        if "novelty" in s.mean:
            out_.setdefault(s.location_id, {})["predicted"] = float(s.mean["novelty"])
        lid = s.info.get("latest_id")
        if isinstance(lid, int) and "latest_novelty" in s.info:
            row = out_.setdefault(lid, {})
            row["novelty"] = float(s.info["latest_novelty"])
            for k, v in (s.info.get("latest_scores") or {}).items():
                row[k] = float(v)
    return out_


def _interactive(run_dir: Path, data: Any, last: int) -> None:
    from rich.table import Table  # noqa: PLC0415

    latest = data.measured[-max(1, last) :]
    info = novelty_by_location(data)
    scorer_names = sorted({k for r in info.values() for k in r} - {"novelty", "predicted"})
    view = Table(title=f"latest {len(latest)} measured locations of {data.name}")
    for c in ["id", "x mm", "y mm", "novelty", "predicted", *scorer_names]:
        view.add_column(c, justify="right")
    for m in latest:
        row = info.get(m.location_id, {})
        cells = [row.get(k) for k in ["novelty", "predicted", *scorer_names]]
        view.add_row(
            str(m.location_id),
            f"{m.x_mm:.3f}",
            f"{m.y_mm:.3f}",
            *["-" if v is None else f"{v:.3g}" for v in cells],
        )
    out.print(view)
    measured = {m.location_id for m in data.measured}
    while True:
        answer = typer.prompt("location id to vote on (empty to finish)", default="").strip()
        if not answer:
            return
        if not answer.isdigit() or int(answer) not in measured:
            out.print(f"{answer!r} is not a measured location id", markup=False)
            continue
        verdict = ""
        while verdict not in ("good", "bad"):
            verdict = typer.prompt("good or bad").strip().lower()
        why = typer.prompt("reason (optional)", default="")
        line = append_vote(run_dir, int(answer), 1 if verdict == "good" else -1, why, "interactive")
        out.print(f"appended: {line}", markup=False)
