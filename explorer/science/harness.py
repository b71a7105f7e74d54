"""What the simulated science checks share: a campaign file re-seeded with another strategy and
budget, and one quiet run of it through the ordinary session and runner."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from explorer.config import CampaignConfig, parse_config, read_yaml
from explorer.session import start_new


def campaign_config(
    base: Path, strategy: Mapping[str, Any] | None, seed: int, out_dir: Path, budget: int
) -> CampaignConfig:
    """`base` with its strategy replaced (None keeps it), this seed, budget and output dir."""
    data = read_yaml(base)
    if strategy is not None:
        data["strategy"] = dict(strategy)
    data.update(seed=seed, output={"dir": str(out_dir)}, stop={"max_points": budget})
    return parse_config(data, source=str(base))


def run_quietly(cfg: CampaignConfig) -> Path:
    """Run a campaign to its stop rule without printing; returns its run directory."""
    session = start_new(cfg)
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            session.runner.run()
        finally:
            session.close()
    return session.run_dir
