"""Report build timing: a cold build (no posterior cache) writes the cache, warm builds read it,
and the run's own cache is put back as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from explorer.bench.report_time import CACHE_DIR, bench_report, to_json
from explorer.errors import ExplorerError


def test_cold_then_warm_builds_keep_the_run_cache(so_run: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(so_run, run_dir, ignore=shutil.ignore_patterns("cache", "report.html"))
    (run_dir / CACHE_DIR).mkdir(parents=True)
    marker = run_dir / CACHE_DIR / "kept.txt"
    marker.write_text("the run's own cache")
    builds = bench_report(run_dir, warm=1)
    assert [b.cold for b in builds] == [True, False]
    assert all(b.wall_s > 0 and b.cpu_s > 0 for b in builds)
    assert marker.read_text() == "the run's own cache"  # put back, the bench's records gone
    assert sorted(p.name for p in (run_dir / CACHE_DIR).iterdir()) == ["kept.txt"]
    assert (run_dir / "report.html").is_file()
    assert to_json(builds, {"run_dir": "x"})["builds"][0]["cold"] is True


def test_a_failing_report_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(ExplorerError, match=r"bench report: explorer report .* failed"):
        bench_report(tmp_path, warm=0)
