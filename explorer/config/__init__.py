"""The campaign YAML schema (pydantic, `extra="forbid"`, `kind:` discriminated unions).

`load_config(path)` is the only way a campaign file enters the program; it never touches
hardware and raises ConfigError with one line per problem.
"""

from explorer.config.campaign_config import CampaignConfig, OutputConfig, StopConfig
from explorer.config.loading import load_config, parse_config, read_yaml
from explorer.config.strategies import StrategyBuild, StrategyConfig

__all__ = [
    "CampaignConfig",
    "OutputConfig",
    "StopConfig",
    "StrategyBuild",
    "StrategyConfig",
    "load_config",
    "parse_config",
    "read_yaml",
]
