"""What the simulated science checks share: a campaign file re-seeded with another strategy and
budget, and one quiet run of it through the ordinary session and runner."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from explorer.config import CampaignConfig, parse_config, read_yaml
from explorer.engine.session import start_new


def campaign_config(
    base: Path,
    strategy: Mapping[str, Any] | None,
    seed: int,
    out_dir: Path,
    budget: int,
    overrides: Mapping[str, Any] | None = None,
) -> CampaignConfig:
    """`base` with its strategy replaced (None keeps it), this seed, budget and output dir, and
    any other top-level sections replaced by `overrides` (e.g. `library`, `initial_points`).
    Relative dataset paths resolve against `base`'s folder, as when the file is loaded."""
    data = read_yaml(base)
    if strategy is not None:
        data["strategy"] = dict(strategy)
    data.update(overrides or {})
    data.update(seed=seed, output={"dir": str(out_dir)}, stop={"max_points": budget})
    return parse_config(data, source=str(base), base_dir=base.parent)


def run_quietly(cfg: CampaignConfig) -> Path:
    """Run a campaign to its stop rule without printing; returns its run directory."""
    session = start_new(cfg)
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            session.runner.run()
        finally:
            session.close()
    return session.run_dir
