"""One sweep task in this process: it runs its campaign and summarises it, a rerun reuses the
finished run, a different campaign in the same directory is an error row (never a raise), and
error rows carry the last traceback line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from explorer.sweep.spec import plan_sweep
from explorer.sweep.tasks import base_columns, error_result, existing_run, run_task
from tests.conftest import BASE_CONFIG


def _task(tmp_path: Path):  # type: ignore[no-untyped-def]
    plan = plan_sweep(
        {
            "schema_version": 1,
            "name": "one",
            "base": dict(BASE_CONFIG),
            "overrides": {"random": {}},
            "datasets": {"sim": {}},
            "seeds": [3],
            "max_points": 3,
            "output": {"dir": str(tmp_path / "out")},
        }
    )
    (task,) = plan.tasks
    return task


def test_a_task_runs_then_is_reused(tmp_path: Path) -> None:
    task = _task(tmp_path)
    assert existing_run(Path(task.task_dir)) is None
    first = run_task(task)
    assert first.row["status"] == "success" and first.row["n_measured"] == 3
    assert first.row["reused"] is False and first.row["task"] == task.key
    run_dir = existing_run(Path(task.task_dir))
    assert run_dir is not None and run_dir.parent == Path(task.task_dir)
    again = run_task(task)
    assert again.row["reused"] is True and again.row["run_dir"] == first.row["run_dir"]


def test_another_campaign_in_the_task_directory_is_an_error_row(tmp_path: Path) -> None:
    task = _task(tmp_path)
    run_task(task)
    changed = dataclasses.replace(task, campaign={**task.campaign, "seed": 99})
    row = run_task(changed).row
    assert row["status"] == "error" and "holds a run of a different campaign" in row["reason"]


def test_error_rows_keep_the_base_columns_and_the_last_line(tmp_path: Path) -> None:
    base = base_columns(_task(tmp_path))
    assert set(base) == {"sweep", "task", "dataset", "override", "seed"}
    row = error_result(base, "Traceback...\n  File x\nValueError: bad\n", 1.5).row
    assert row["reason"] == "ValueError: bad" and row["wall_s"] == 1.5 and row["run_dir"] is None
    assert error_result(base, "", 0.0).row["reason"] == "unknown error"
