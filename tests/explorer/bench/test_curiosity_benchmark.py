"""Issue-7 benchmark: curiosity vs random on the PTO SSPFM cube.

The default suite runs a short version on a 17 x 17 pixel window of the real cube (81
candidates) with narrow networks and short schedules; `make check-curiosity` runs the paper's
50 trials x 100 measurements on the whole 41 x 41 grid with the paper's models.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from explorer.analysis.histograms import histogram_edges
from explorer.bench.curiosity_benchmark import (
    BenchSettings,
    compare_with_paper,
    featurise,
    featuriser_key,
    format_table,
    load_trials,
    make_tasks,
    run_benchmark,
    run_in_dir,
    run_tasks,
    to_json,
)
from explorer.bench.curiosity_figure_data import curve_data, histogram_data
from explorer.bench.curiosity_trial import (
    GridSpec,
    TrialSettings,
    TrialTask,
    initial_indices,
    load_cube,
    load_grid,
    patch_grid,
    run_trial,
)
from explorer.cli import main
from explorer.errors import ConfigError, DatasetError
from novelty.curiosity.acquisition import AcquisitionParams
from novelty.curiosity.learner import FeaturiserSettings, SurrogateSettings
from tests.conftest import shared_data

CROP = (17, 34, 17, 34)
SHORT = BenchSettings(
    trials=2,
    grid=GridSpec(crop=CROP),
    trial=TrialSettings(
        measurements=12,
        n_random_initial=4,
        acquisition=AcquisitionParams(mc_passes=32),
        surrogate=SurrogateSettings(filters=16, initial_steps=20, initial_error_steps=10),
        featuriser=FeaturiserSettings(filters=16, epochs=2, batch_size=16),
        seed=7,
    ),
)


@pytest.fixture(scope="module")
def cube_path() -> Path:
    return shared_data("pto-sspfm-curiosity") / "norm_polarization.npy"


@pytest.fixture(scope="module")
def short(cube_path: Path):  # type: ignore[no-untyped-def]
    return run_benchmark(cube_path, SHORT)


def test_grid_is_the_papers(cube_path: Path) -> None:
    grid = load_grid(cube_path)
    cube = load_cube(cube_path)
    assert len(grid) == 41 * 41 and grid.patch_shape == (9, 9) and grid.spectra.shape[1] == 50
    k = 5 * 41 + 7  # row-major: pixel (4 + 5, 4 + 7)
    assert (grid.rows[k], grid.cols[k]) == (9, 11)
    np.testing.assert_array_equal(grid.patches[k], cube[5:14, 7:16, 25])
    np.testing.assert_array_equal(grid.spectra[k], cube[9, 11, 49:])
    assert (grid.rows[grid.start], grid.cols[grid.start]) == (25, 25)
    assert len(grid.source_sha256) == 64


def test_bad_inputs_are_dataset_errors(tmp_path: Path, cube_path: Path) -> None:
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((4, 4)))
    with pytest.raises(DatasetError, match=r"\(H, W, L\)"):
        load_cube(bad)
    with pytest.raises(DatasetError, match="start pixel"):
        patch_grid(load_cube(cube_path), GridSpec(crop=(0, 20, 0, 20)))


def test_initial_points_are_shared_by_strategies_and_differ_between_trials(
    cube_path: Path,
) -> None:
    grid = load_grid(cube_path)
    a, b = initial_indices(grid, TrialSettings(), 0), initial_indices(grid, TrialSettings(), 1)
    assert a == initial_indices(grid, TrialSettings(), 0)
    assert len(set(a)) == 31 and a[0] == grid.start and a != b


def test_short_benchmark_losses_fall_with_measurements(short) -> None:  # type: ignore[no-untyped-def]
    assert len(short.results) == 4
    for r in short.results:
        assert np.all(np.isfinite(r.loss_curve)) and np.all(np.isfinite(r.max_loss_curve))
        n0 = r.n_initial_evaluations
        # decisions at t = 4 .. 11 (t counts measurements after the start point)
        assert n0 == 20 and len(r.loss_curve) == n0 + 8 and len(r.steps) == 8
        assert r.loss == min(r.loss_curve) and r.argmin_loss == int(np.argmin(r.loss_curve))
        assert r.loss_curve[-1] < 0.5 * r.loss_curve[0]  # trained on 13 points vs untrained
        assert min(r.loss_curve[n0:]) <= r.loss_curve[n0 - 1]  # more data never hurt the best
        assert r.max_loss == min(r.max_loss_curve)
    trials = {(r.trial, r.strategy): r for r in short.results}
    assert trials[(0, "curiosity")].initial == trials[(0, "random")].initial
    assert trials[(0, "curiosity")].initial != trials[(1, "curiosity")].initial


def test_curiosity_logs_e_n_u_and_a(short) -> None:  # type: ignore[no-untyped-def]
    steps = [s for r in short.results if r.strategy == "curiosity" for s in r.steps]
    modelled = [s for s in steps if not s.random_step]
    assert modelled
    for s in modelled:
        vals = (s.e_hat, s.novelty, s.uncertainty, s.acquisition, s.novelty_weight)
        assert all(v is not None and np.isfinite(v) for v in vals)
        w = s.novelty_weight
        assert s.acquisition == pytest.approx(s.e_hat * (1 - w) + s.novelty * w)
    rand = [s for r in short.results if r.strategy == "random" for s in r.steps]
    assert all(s.random_step and s.acquisition is None for s in rand)


def test_trials_are_deterministic(cube_path: Path, short) -> None:  # type: ignore[no-untyped-def]
    """A trial depends only on its task: rerunning it reproduces every number."""
    grid = load_grid(cube_path, SHORT.grid)
    tasks = make_tasks(grid, featurise(grid, SHORT), SHORT)[:2]
    for first, again in zip(short.results[:2], [run_trial(t) for t in tasks], strict=True):
        assert first.loss_curve == again.loss_curve and first.steps == again.steps


@pytest.mark.science
def test_trials_are_the_same_in_worker_processes(cube_path: Path, short) -> None:  # type: ignore[no-untyped-def]
    """Spawned workers (one torch thread each) give bit-identical results to inline runs."""
    grid = load_grid(cube_path, SHORT.grid)
    tasks = make_tasks(grid, featurise(grid, SHORT), SHORT)[:2]
    for first, pooled in zip(short.results[:2], run_tasks(tasks, workers=2), strict=True):
        assert first.loss_curve == pooled.loss_curve and first.steps == pooled.steps


def test_different_seeds_explore_differently(cube_path: Path, short) -> None:  # type: ignore[no-untyped-def]
    grid = load_grid(cube_path, SHORT.grid)
    other = replace(SHORT.trial, seed=8)
    task = TrialTask("curiosity", 0, grid, featurise(grid, SHORT), other)
    assert run_trial(task).initial != short.results[0].initial


def test_notebook_random_initial_repeats_one_pixel(cube_path: Path) -> None:
    """The authors' random baseline, as their notebook ran it: one pixel, 5 (here) times."""
    grid = load_grid(cube_path, SHORT.grid)
    quirk = replace(SHORT.trial, notebook_random_initial=True)
    feats = featurise(grid, SHORT)
    r = run_trial(TrialTask("random", 0, grid, feats, quirk))
    assert len(r.initial) == 5 and len(set(r.initial)) == 1
    assert r.initial[0] == initial_indices(grid, SHORT.trial, 0)[1]
    assert len(r.steps) == 8 and np.isfinite(r.loss)
    c = run_trial(TrialTask("curiosity", 0, grid, feats, quirk))
    assert len(set(c.initial)) == 5  # curiosity is not affected


def test_summary_json_and_figure_data(short) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(to_json(short)))
    assert set(data["summary"]) == {"curiosity", "random"}
    assert data["summary"]["random"]["loss"]["n"] == 2
    assert len(data["trials"]) == 4 and "paper_comparison" in data
    comparison = compare_with_paper(short)
    assert comparison.margin == pytest.approx(
        short.summary("random").mean - short.summary("curiosity").mean
    )
    table = format_table(short)
    assert "curiosity" in table and "13.470" in table
    hist = histogram_data(short)
    assert all(int(c.sum()) == 2 for c in hist.counts.values())
    curves = curve_data(short)
    assert [c.label for c in curves] == ["curiosity", "random"]
    assert all(len(c.step) == 8 and c.step[0] == 5 and set(c.n_runs) == {2} for c in curves)


def test_figures_render(short, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from explorer.plots.curiosity_figures import save_curiosity_plots

    paths = save_curiosity_plots(
        histogram_data(short, "loss"),
        histogram_data(short, "max_loss"),
        curve_data(short),
        tmp_path,
    )
    assert [p.name for p in paths] == [
        "curiosity_loss_hist.png",
        "curiosity_max_loss_hist.png",
        "curiosity_loss_curves.png",
    ]
    assert all(p.stat().st_size > 10_000 for p in paths)
    assert histogram_data(short).paper == {}  # a window of the cube: no paper lines


def test_finished_trials_reload_and_are_not_rerun(cube_path: Path, short, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import asdict

    lines = tmp_path / "curiosity_trials.jsonl"
    lines.write_text("".join(json.dumps(asdict(r)) + "\n" for r in short.results) + '{"torn')
    loaded = load_trials(lines)
    assert loaded == list(short.results)  # a torn last line is ignored
    ran: list[object] = []
    resumed = run_benchmark(cube_path, SHORT, done=loaded[:3], on_result=ran.append)

    def timeless(rs):  # type: ignore[no-untyped-def]
        return [replace(r, wall_s=0.0) for r in rs]

    assert len(ran) == 1 and timeless(resumed.results) == timeless(short.results)


def test_featuriser_latents_are_cached(cube_path: Path, tmp_path: Path) -> None:
    grid = load_grid(cube_path, SHORT.grid)
    first = featurise(grid, SHORT, tmp_path)
    (cached,) = tmp_path.glob("featuriser-*.npy")
    np.save(cached, first + 1.0)  # proves the second call reads the file
    np.testing.assert_array_equal(featurise(grid, SHORT, tmp_path), first + 1.0)
    other = replace(SHORT, trial=replace(SHORT.trial, seed=99))
    assert featuriser_key(grid, other) != featuriser_key(grid, SHORT)


def test_histogram_edges_extend_the_papers_bins() -> None:
    edges = histogram_edges(np.array([13.0, 14.0]), 12.0, 15.0, 0.3)
    assert edges[0] == 12.0 and edges[-1] == pytest.approx(15.0) and len(edges) == 11
    wide = histogram_edges(np.array([11.0, 16.1]), 12.0, 15.0, 0.3)
    assert wide[0] <= 11.0 and wide[-1] >= 16.1
    assert np.allclose(np.diff(wide), 0.3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trials", "0"], "--trials"),
        (["--measurements", "10", "--initial", "30"], "--measurements"),
        (["--crop", "1,2,3"], "--crop"),
        (["--dataset", "/nonexistent/cube.npy"], "--dataset"),
        (["--device", "tpu"], "--device"),
    ],
)
def test_cli_rejects_bad_arguments(args: list[str], message: str, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rc = main(["bench", "curiosity", "--out", str(tmp_path), *args])
    assert rc == 2
    assert message in capsys.readouterr().err


@pytest.mark.science
def test_cli_end_to_end_on_a_window(cube_path: Path, tmp_path: Path) -> None:
    """The command with the paper's models and schedule, on a 25 x 25 window, 2 trials."""
    rc = main(
        [
            "bench",
            "curiosity",
            "--trials",
            "2",
            "--measurements",
            "40",
            "--crop",
            "13,38,13,38",
            "--dataset",
            str(cube_path),
            "--out",
            str(tmp_path),
            "--workers",
            "2",
        ]
    )
    assert rc == 0
    data = json.loads((tmp_path / "curiosity_results.json").read_text())
    print("\n" + json.dumps(data["summary"], indent=1))
    for name in ("curiosity_loss_hist.png", "curiosity_loss_curves.png", "curiosity_trials.jsonl"):
        assert (tmp_path / name).stat().st_size > 0


def test_run_in_dir_appends_trials_and_resumes(cube_path: Path, short, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ran: list[object] = []
    first = run_in_dir(cube_path, SHORT, tmp_path, on_result=ran.append)
    assert len(ran) == 4 and {r.device for r in first.results} == {"cpu"}
    lines = (tmp_path / "curiosity_trials.jsonl").read_text().splitlines()
    assert len(lines) == 4 and (tmp_path / "curiosity_settings.json").is_file()
    # a killed run: keep two finished trials, resume runs only the other two
    (tmp_path / "curiosity_trials.jsonl").write_text("\n".join(lines[:2]) + "\n")
    ran.clear()
    kept: list[int] = []
    again = run_in_dir(
        cube_path, SHORT, tmp_path, resume=True, on_result=ran.append, on_resume=kept.append
    )
    assert kept == [2] and len(ran) == 2
    assert [r.loss for r in again.results] == [r.loss for r in first.results]
    assert len((tmp_path / "curiosity_trials.jsonl").read_text().splitlines()) == 4
    other = replace(SHORT, trials=3)
    with pytest.raises(ConfigError, match="other settings"):
        run_in_dir(cube_path, other, tmp_path, resume=True)
    before = (tmp_path / "curiosity_trials.jsonl").read_bytes()
    with pytest.raises(ConfigError, match="already holds 4 finished trial runs; pass --resume"):
        run_in_dir(cube_path, SHORT, tmp_path)  # a fresh start would have wiped them
    assert (tmp_path / "curiosity_trials.jsonl").read_bytes() == before


def test_cli_rejects_cuda_without_a_gpu(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    rc = main(["bench", "curiosity", "--out", str(tmp_path), "--device", "cuda"])
    assert rc == 2
    assert "--device" in capsys.readouterr().err and not any(tmp_path.iterdir())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (device machine)")
def test_a_gpu_trial_matches_the_cpu_trial_up_to_floating_point_drift(cube_path: Path) -> None:
    grid = load_grid(cube_path, SHORT.grid)
    feats = featurise(grid, SHORT)
    cpu = run_trial(TrialTask("curiosity", 0, grid, feats, SHORT.trial))
    gpu = run_trial(TrialTask("curiosity", 0, grid, feats, SHORT.trial, device="cuda"))
    assert gpu.device == "cuda" and gpu.initial == cpu.initial
    # the same initial weights and masks: equal at first, then apart by floating-point drift
    assert gpu.loss == pytest.approx(cpu.loss, rel=0.05)
    assert gpu.loss_curve[0] == pytest.approx(cpu.loss_curve[0], rel=1e-4)


def test_trials_on_a_dask_cluster_equal_the_inline_ones(
    cube_path: Path, short, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """`explorer bench curiosity --scheduler` hands run_in_dir a Dask executor: a real
    LocalCluster worker process runs the trials, with the same results as inline."""
    from explorer.sweep.executors import close_quietly, local_client

    cluster, client = local_client(1)
    try:
        ran: list[object] = []
        result = run_in_dir(
            cube_path, SHORT, tmp_path, executor=client.get_executor(), on_result=ran.append
        )
    finally:
        client.close()
        close_quietly(cluster)
    assert len(ran) == 4
    assert [r.loss for r in result.results] == [r.loss for r in short.results]
    assert len((tmp_path / "curiosity_trials.jsonl").read_text().splitlines()) == 4


@pytest.mark.science
def test_cli_runs_trials_on_a_running_scheduler(cube_path: Path, tmp_path: Path) -> None:
    from explorer.sweep.executors import close_quietly, local_client

    cluster, client = local_client(1)
    try:
        args = ["bench", "curiosity", "--trials", "1", "--measurements", "6", "--initial", "4"]
        args += ["--crop", ",".join(map(str, CROP)), "--dataset", str(cube_path)]
        args += ["--out", str(tmp_path), "--scheduler", cluster.scheduler_address, "-q"]
        assert main(args) == 0
    finally:
        client.close()
        close_quietly(cluster)
    data = json.loads((tmp_path / "curiosity_results.json").read_text())
    assert [t["strategy"] for t in data["trials"]] == ["curiosity", "random"]
