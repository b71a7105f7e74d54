"""Ways a run directory gets damaged after the fact (restoring an old copy, hand edits, a disk
that lost files), shared by the fast integrity tests and the damage matrix.

Each damage takes a finished run directory and changes it in place, like a person or a broken
backup would; `npz_digests` lists the sha256 of every raw file anywhere under the run directory
(raw/ and whatever recover moved aside), so a test can show no raw bytes were lost.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tests.explorer.crash_checks import only_run
from tests.fuzzing import run_cli

Damage = Callable[[Path], None]


def finished_run(tmp: Path, points: int = 12, seed: int = 7) -> Path:
    """A finished simulated run (random strategy) in `tmp`/runs."""
    import yaml

    from tests.conftest import BASE_CONFIG

    cfg = dict(
        BASE_CONFIG,
        seed=seed,
        strategy={"kind": "random"},
        stop={"max_points": points},
        output={"dir": str(tmp / "runs")},
    )
    path = tmp / "campaign.yaml"
    path.write_text(yaml.safe_dump(cfg))
    code, _, err = run_cli(["run", str(path), "-q"])
    assert code == 0, err
    return only_run(tmp / "runs")


def copy_run(src: Path, dest_parent: Path) -> Path:
    dest_parent.mkdir(parents=True, exist_ok=True)
    dest = dest_parent / src.name
    shutil.copytree(src, dest, symlinks=True)
    (dest / ".lock").write_text("")
    return dest


def npz_digests(run: Path) -> Counter[str]:
    """sha256 of every .npz under the run directory (wherever recover put it)."""
    return Counter(hashlib.sha256(p.read_bytes()).hexdigest() for p in run.rglob("*.npz"))


def lines(run: Path) -> list[bytes]:
    return (run / "events.jsonl").read_bytes().splitlines(keepends=True)


def empty_log(run: Path) -> None:
    (run / "events.jsonl").write_bytes(b"")


def cut_mid_line(line: int) -> Damage:
    """Keep `line - 1` whole lines and half of line `line` (1-based)."""

    def damage(run: Path) -> None:
        kept = lines(run)
        part = kept[line - 1]
        (run / "events.jsonl").write_bytes(b"".join(kept[: line - 1]) + part[: len(part) // 2])

    return damage


def cut_at_line(line: int) -> Damage:
    """Keep the first `line` whole lines."""

    def damage(run: Path) -> None:
        (run / "events.jsonl").write_bytes(b"".join(lines(run)[:line]))

    return damage


def cut_at_fraction(fraction: float) -> Damage:
    """Cut the file `fraction` of the way through its bytes (mostly mid-line)."""

    def damage(run: Path) -> None:
        data = (run / "events.jsonl").read_bytes()
        (run / "events.jsonl").write_bytes(data[: max(1, int(len(data) * fraction))])

    return damage


def edit_location_id(run: Path) -> None:
    """Change one measured event's location id to another library location (valid JSON)."""
    out, done = [], False
    measured_ids = {json.loads(b)["location_id"] for b in lines(run) if b'"type":"measured"' in b}
    for b in lines(run):
        d = json.loads(b)
        if not done and d["type"] == "measured" and d["step"] == 3:
            d["location_id"] = next(i for i in range(1000) if i not in measured_ids)
            b, done = (json.dumps(d, separators=(",", ":")) + "\n").encode(), True
        out.append(b)
    assert done
    (run / "events.jsonl").write_bytes(b"".join(out))


def delete_raw(run: Path) -> None:
    (run / "raw" / "000004.npz").unlink()


def truncate_raw(run: Path) -> None:
    path = run / "raw" / "000004.npz"
    path.write_bytes(path.read_bytes()[:200])


def swap_raw(run: Path) -> None:
    a, b = run / "raw" / "000002.npz", run / "raw" / "000005.npz"
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)


def refused(code: int, err: str) -> bool:
    """A refusal: exit 2, one line, no traceback, pointing at what to do."""
    return code == 2 and err.count("\n") == 1 and "Traceback" not in err
