"""Run-directory primitives: raw files are created, never replaced; a start refused on a full
disk says what to do without pointing at the run directory it removed."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from explorer.engine.rundir import MIN_FREE_BYTES, create_new_bytes, ensure_room, save_raw
from explorer.errors import RunDirError
from hardware.protocols import Measurement
from tests.fuzzing import run_cli


def _measurement(location_id: int) -> Measurement:
    return Measurement(
        location_id=location_id,
        x_mm=1.0,
        y_mm=2.0,
        arrays={"sspfm.bias_v": np.linspace(0, 1, 8)},
        scalars={},
        durations_s={"measure": 1.0},
        t_start_s=0.0,
        t_end_s=1.0,
    )


def test_a_raw_file_is_never_overwritten(tmp_path) -> None:
    (tmp_path / "raw").mkdir()
    rel = save_raw(tmp_path, 3, _measurement(5))
    before = (tmp_path / rel).read_bytes()
    with pytest.raises(RunDirError, match="never overwritten"):
        save_raw(tmp_path, 3, _measurement(6))
    assert (tmp_path / rel).read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["000003.npz"]  # no temp
    with pytest.raises(RunDirError, match="never overwritten"):
        create_new_bytes(tmp_path / rel, b"x")


@pytest.fixture
def full_fs(tmp_path: Path) -> Iterator[Path]:
    """A real tmpfs with less room than a run needs."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={MIN_FREE_BYTES // 2}", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
        check=False,
    )
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({res.stderr.strip() or 'not root'})")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_start_on_a_full_disk_says_run_again_not_resume(make_config, write_yaml, full_fs):
    out = full_fs / "runs"
    code, _, err = run_cli(["run", str(write_yaml(make_config(output={"dir": str(out)}))), "-q"])
    assert code == 2 and err.count("\n") == 1, err
    assert "disk almost full" in err and "run again" in err and "resume" not in err, err
    assert str(out) in err and not any(out.iterdir())  # names the output dir; nothing left
    with pytest.raises(RunDirError, match="free some space and resume"):
        ensure_room(full_fs)
