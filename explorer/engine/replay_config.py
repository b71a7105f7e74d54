"""`explorer replay CAMPAIGN --dataset FILE`: the same campaign, measured from a recorded dataset.

There is no second loop: this only rewrites the campaign config so that the instrument is
`{kind: replay, dataset: FILE}` (keeping miss/noise/timing if the campaign already replays) and,
when the library is `{kind: dataset}`, points the library at the same file; then the ordinary
session/runner run it. The format and its options are those given on the command line (auto
detection and none by default: they belong to the file). The path resolves against the current
directory.
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
    source = {"format": fmt or "auto", "format_options": dict(options or {})}
    inst.update(dataset=str(dataset), **source)
    inst.pop("sha256", None)  # re-pinned for the new file
    if miss is not None:
        inst["miss"] = miss
    if noise_relative is not None:
        inst["noise"] = {**inst.get("noise", {}), "relative": noise_relative}
    data["instrument"] = inst
    if data["library"].get("kind") == "dataset":
        data["library"].update(path=str(dataset), **source)
        data["library"].pop("sha256", None)
    return parse_config(data, source="command line", base_dir=Path.cwd())
