"""Sweeps for real: serial, a LocalCluster with 2 workers, and a separately started
`dask scheduler` + `dask worker` on localhost all give the same results table; a rerun reuses
finished runs; a failing task is reported with its traceback and the others complete."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from explorer.cli import main
from explorer.engine.events import RunStopped, read_events
from explorer.sweep.execute import execute
from explorer.sweep.spec import plan_sweep
from explorer.sweep.tasks import existing_run
from tests.conftest import BASE_CONFIG

#: columns that must not depend on where or when a task ran
STABLE = [
    "task",
    "dataset",
    "override",
    "seed",
    "status",
    "n_measured",
    "instrument_hours",
    "best_loop_height",
    "true_best_loop_height",
    "true_optimum_loop_height",
]
FAILING = {
    "objectives": [
        {"name": "loop_height", "from": "sspfm", "metric": "custom", "function": "math:sqrt"}
    ]
}  # sqrt(dict) raises TypeError in tell: a location fault, the run stops with status "fault"


def _sweep(out: Path, *, failing: bool = False) -> dict:
    overrides = {"random": {}, "sobol": {"strategy": {"kind": "sobol", "n": 3}}}
    if failing:
        overrides["broken"] = FAILING
    return {
        "schema_version": 1,
        "name": "small",
        "base": dict(BASE_CONFIG),
        "overrides": overrides,
        "seeds": [1, 2],
        "max_points": 3,
        "output": {"dir": str(out)},
    }


def _table(out: Path) -> pd.DataFrame:
    df = pd.read_parquet(out / "small" / "results.parquet")
    return df.sort_values("task").reset_index(drop=True)


@pytest.fixture(scope="module")
def serial_table(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("serial")
    outcome = execute(plan_sweep(_sweep(out, failing=True)), serial=True)
    assert outcome.n_failed == 2
    return _table(out)


def test_serial_sweep_tables(serial_table, tmp_path) -> None:
    ok = serial_table[serial_table.status == "success"]
    assert len(ok) == 4 and (ok.n_measured == 3).all()
    assert (ok.true_best_loop_height <= ok.true_optimum_loop_height + 1e-9).all()
    for run_dir in ok.run_dir:
        events = read_events(Path(run_dir) / "events.jsonl").events
        assert isinstance(events[-1], RunStopped) and events[-1].status == "success"
    curves = pd.read_parquet(Path(ok.run_dir.iloc[0]).parents[4] / "curves.parquet")
    assert len(curves) == 4 * 3 and set(curves.step) == {1, 2, 3}
    assert (curves.groupby("task").best_so_far.apply(lambda s: s.is_monotonic_increasing)).all()


def test_faulted_task_is_reported_and_others_finish(serial_table) -> None:
    bad = serial_table[serial_table.override == "broken"]
    assert list(bad.status) == ["fault", "fault"]
    assert all("TypeError" in r for r in bad.reason)
    assert (serial_table[serial_table.override != "broken"].status == "success").all()


def test_raising_task_is_a_row_with_its_traceback(tmp_path, monkeypatch) -> None:
    import explorer.sweep.tasks as tasks

    plan = plan_sweep(_sweep(tmp_path))
    calls: list[str] = []
    real = tasks._execute

    def flaky(task):  # the first task raises, the others run
        calls.append(task.key)
        if len(calls) == 1:
            raise TypeError("boom in the task")
        return real(task)

    monkeypatch.setattr(tasks, "_execute", flaky)
    outcome = execute(plan, serial=True)
    rows = {r["task"]: r for r in outcome.results}
    first = rows[calls[0]]
    assert first["status"] == "error" and "Traceback" in first["error"]
    assert "TypeError: boom in the task" in first["error"]
    assert outcome.n_failed == 1
    assert sum(r["status"] == "success" for r in outcome.results) == len(plan.tasks) - 1


def test_rerun_reuses_finished_runs_and_resumes_unfinished(tmp_path) -> None:
    plan = plan_sweep(_sweep(tmp_path))
    first = execute(plan, serial=True)
    assert first.n_failed == 0
    # simulate a crash of one task: drop its run_stopped line
    victim = existing_run(Path(plan.tasks[0].task_dir))
    assert victim is not None
    log = victim / "events.jsonl"
    log.write_text("".join(log.read_text().splitlines(keepends=True)[:-1]))
    second = execute(plan, serial=True)
    reused = {r["task"]: r["reused"] for r in second.results}
    assert reused[plan.tasks[0].key] is False and sum(reused.values()) == 3
    cols = [c for c in STABLE if c in first.results[0]]
    assert [{c: r[c] for c in cols} for r in first.results] == [
        {c: r[c] for c in cols} for r in second.results
    ]
    assert existing_run(Path(plan.tasks[0].task_dir)) == victim  # resumed, not restarted


def test_local_cluster_two_workers_matches_serial(serial_table, tmp_path, capsys) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(_sweep(tmp_path / "out", failing=True)))
    assert main(["sweep", str(path), "--workers", "2"]) == 1  # the broken tasks fail
    captured = capsys.readouterr()
    assert "4 of 6 campaigns succeeded" in captured.out
    assert "TypeError" in captured.err  # traceback reported
    pd.testing.assert_frame_equal(_table(tmp_path / "out")[STABLE], serial_table[STABLE])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_separately_started_scheduler_matches_serial(serial_table, tmp_path) -> None:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    sched = subprocess.Popen(
        [*dask, "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_worker",
            address,
            "--nworkers",
            "1",
            "--nthreads",
            "1",
            "--no-dashboard",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        path = tmp_path / "sweep.yaml"
        path.write_text(yaml.safe_dump(_sweep(tmp_path / "out", failing=True)))
        assert main(["sweep", str(path), "--scheduler", address, "-q"]) == 1
        pd.testing.assert_frame_equal(_table(tmp_path / "out")[STABLE], serial_table[STABLE])
    finally:
        for proc in (worker, sched):
            proc.terminate()
        for proc in (worker, sched):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_unreachable_scheduler_is_one_line_exit_2(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setattr("explorer.sweep.executors.CONNECT_TIMEOUT_S", 1.0)
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(_sweep(tmp_path / "out")))
    port = _free_port()
    assert main(["sweep", str(path), "--scheduler", f"tcp://127.0.0.1:{port}", "-q"]) == 2
    assert "--scheduler" in capsys.readouterr().err
