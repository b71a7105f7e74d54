"""explorer bench: latency writes JSON and a table; bad latency and efficiency options are one
line and exit 2."""

from __future__ import annotations

import json

import pytest

from explorer.cli import main


def test_cli_writes_json_and_table(tmp_path, capsys) -> None:
    path = tmp_path / "lat.json"
    rc = main(
        [
            "bench",
            "latency",
            "--n-obs",
            "10",
            "--dims",
            "2",
            "--candidates",
            "60",
            "--repeats",
            "1",
            "--methods",
            "gp_bo,botorch",
            "--no-trace",
            "--json",
            str(path),
        ]
    )
    assert rc == 0
    record = json.loads(path.read_text())
    assert {t["method"] for t in record["timings"]} == {"gp_bo", "botorch"}
    assert record["machine"]["threads"]["torch"] == 1
    assert "BoTorch / gp_bo" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--methods", "nope"], "--methods"),
        (["--methods", "botorch_nehvi"], "--methods"),
        (["--n-obs", "5,x"], "--n-obs"),
        (["--limit", "skopt"], "--limit"),
        (["--objectives", "3"], "--objectives"),
    ],
)
def test_cli_bad_options_one_line_exit_2(tmp_path, capsys, args, needle) -> None:
    rc = main(["bench", "latency", "--json", str(tmp_path / "x.json"), *args])
    assert rc == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--library", "nope"], "--library"),
        (["--strategies", "x"], "--strategies"),
        (["--seeds", "0"], "--seeds"),
    ],
)
def test_cli_bad_options(tmp_path, capsys, args, needle) -> None:
    assert main(["bench", "efficiency", "--out", str(tmp_path), *args]) == 2
    assert needle in capsys.readouterr().err
