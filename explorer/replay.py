"""`explorer replay CAMPAIGN --dataset FILE`: the same campaign, measured from a recorded dataset.

There is no second loop: this only rewrites the campaign config so that the instrument is
`{kind: replay, dataset: FILE}` (keeping miss/noise/timing if the campaign already replays) and,
when the library is `{kind: dataset}`, points the library at the same file; then the ordinary
session/runner run it. The command-line file path resolves against the current directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from explorer.config import CampaignConfig, parse_config
from explorer.datasets.common import OptionValue


def replay_config(
    cfg: CampaignConfig,
    dataset: Path,
    *,
    fmt: str | None = None,
    options: dict[str, OptionValue] | None = None,
    miss: str | None = None,
    noise_relative: float | None = None,
) -> CampaignConfig:
    """`cfg` with its instrument replaced by a replay of `dataset` (re-validated)."""
    data: dict[str, Any] = cfg.model_dump(mode="json", by_alias=True)
    old = data["instrument"]
    inst: dict[str, Any] = dict(old) if old.get("kind") == "replay" else {"kind": "replay"}
    if old.get("kind") != "replay" and "measure_timeout_s" in old:
        inst["measure_timeout_s"] = old["measure_timeout_s"]
    inst.update(dataset=str(dataset), sha256=None)
    if fmt is not None:
        inst["format"] = fmt
    if options is not None:
        inst["format_options"] = options
    if miss is not None:
        inst["miss"] = miss
    if noise_relative is not None:
        inst["noise"] = {**inst.get("noise", {}), "relative": noise_relative}
    data["instrument"] = inst
    if data["library"].get("kind") == "dataset":
        lib = data["library"]
        lib.update(path=str(dataset), sha256=None)
        for key in ("format", "format_options"):
            lib[key] = inst.get(key, lib.get(key))
    inst = {k: v for k, v in inst.items() if v is not None}
    data["instrument"] = inst
    data["library"] = {k: v for k, v in data["library"].items() if v is not None}
    return parse_config(data, source="command line", base_dir=Path.cwd())
