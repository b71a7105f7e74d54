"""`explorer recommend RUN_DIR`: the model's recommended location(s), and a JSON file of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from explorer.analysis.recommendation import run_recommendation, summary_lines
from explorer.analysis.rundata import RunData
from explorer.cli.app import app, out
from explorer.engine.rundir import is_run_dir
from explorer.errors import ConfigError


@app.command()
def recommend(
    run_dir: Annotated[Path, typer.Argument(help="run directory")],
    json_path: Annotated[
        Path | None,
        typer.Option("--json", help="write the recommendation as a JSON list of objects"),
    ] = None,
) -> None:
    """Print where the model recommends the best material is (posterior mean among the
    feasible measured locations; the posterior Pareto set for several objectives)."""
    if not is_run_dir(run_dir):
        raise ConfigError(
            f"{run_dir} is not a run directory (expected config.yaml and events.jsonl)"
        )
    data = RunData.load(run_dir)
    rec = run_recommendation(data)
    for line in summary_lines(data, rec):
        out.print(line, highlight=False)
    if json_path is not None:
        json_path.write_text(json.dumps([p.to_dict() for p in rec.points], indent=2) + "\n")
        out.print(f"wrote {json_path}")
