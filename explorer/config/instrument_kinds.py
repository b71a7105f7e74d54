"""The `instrument:` section: one of the simulated, lab, replay or external kinds, chosen by
`kind:`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from explorer.config.external import ExternalInstrumentConfig
from explorer.config.instrument import SimInstrumentConfig
from explorer.config.lab import LabInstrumentConfig
from explorer.config.replay import ReplayInstrumentConfig

InstrumentConfig = Annotated[
    SimInstrumentConfig | LabInstrumentConfig | ReplayInstrumentConfig | ExternalInstrumentConfig,
    Field(discriminator="kind"),
]
