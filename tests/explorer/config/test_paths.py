"""Campaign paths written the Windows way: accepted on Windows, portable where they can be,
and a one-line refusal where a Windows path names nothing on this machine."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from explorer.config import load_config, parse_config
from explorer.config.paths import portable_path
from explorer.errors import ConfigError
from tests.conftest import CAMPAIGNS

EXCHANGE = r"C:\Users\lab\exchange"


@pytest.mark.parametrize("text", [EXCHANGE, r"D:/data/lib.h5", r"\\pfm-pc\share\exchange"])
def test_windows_absolute_paths_are_refused_elsewhere(text) -> None:
    with pytest.raises(ValueError, match="is a Windows path"):
        portable_path(text, windows=False)


@pytest.mark.parametrize("text", [EXCHANGE, r"runs\lab", r"D:/data/lib.h5"])
def test_windows_accepts_every_spelling(text) -> None:
    assert str(portable_path(text, windows=True)) == text  # Path on Windows parses it


def test_relative_backslash_paths_mean_the_same_folders() -> None:
    assert portable_path(r"runs\lab\today", windows=False) == Path("runs/lab/today")
    assert portable_path("runs/lab", windows=False) == Path("runs/lab")


def test_yaml_spellings_of_a_windows_path() -> None:
    """Plain and single-quoted scalars keep backslashes; double quotes need them doubled."""
    for text in (
        "exchange_dir: C:\\Users\\lab\\exchange",
        "exchange_dir: 'C:\\Users\\lab\\exchange'",
        'exchange_dir: "C:\\\\Users\\\\lab\\\\exchange"',
    ):
        assert yaml.safe_load(text) == {"exchange_dir": EXCHANGE}


def _lab(tmp_path: Path, **pfm: str) -> dict:
    cfg = yaml.safe_load((CAMPAIGNS / "smbfo-zaber-emulated.yaml").read_text())
    cfg["instrument"]["pfm"] = {"kind": "asylum", **pfm}
    cfg["output"] = {"dir": str(tmp_path)}
    return cfg


@pytest.mark.skipif(Path("C:/").drive == "C:", reason="on Windows the path is valid")
def test_a_windows_exchange_folder_on_linux_is_one_line(tmp_path) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config(_lab(tmp_path, exchange_dir=EXCHANGE), source="lab.yaml")
    assert exc.value.problems == (
        f"lab.yaml: instrument.pfm.exchange_dir: {EXCHANGE!r} is a Windows path (drive letter "
        "or network share), which names nothing on this machine; use a path of this machine "
        "here, or run on the Windows lab PC",
    )


def test_backslash_output_dir_in_a_campaign_file(tmp_path) -> None:
    text = (
        (CAMPAIGNS / "smbfo-gp-bo.yaml")
        .read_text()
        .replace("output: {dir: runs}", "output: {dir: runs\\lab}")
    )
    path = tmp_path / "c.yaml"
    path.write_text(text)
    assert load_config(path).output.dir == Path("runs/lab")


def test_a_com_port_campaign_validates_and_runs_dry(tmp_path, capsys) -> None:
    """`port: COM3` (the Windows name) is real hardware: validate accepts it, and without
    --arm-hardware the run is a dry run that never opens the port."""
    from explorer.cli import main

    cfg = yaml.safe_load((CAMPAIGNS / "smbfo-zaber-emulated.yaml").read_text())
    cfg["instrument"]["stage"]["port"] = "COM3"
    cfg["output"] = {"dir": str(tmp_path / "runs")}
    path = tmp_path / "com3.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["validate", str(path)]) == 0
    assert main(["run", str(path), "--max-points", "1", "-q"]) == 0, capsys.readouterr().err
    journal = next((tmp_path / "runs").glob("*/journal.jsonl")).read_text()
    assert '"dry_run": true' in journal and '"port": "COM3"' in journal
