"""`instrument: {kind: external}`: the user's own code measures (through the Python API,
explorer.api); nothing is moved by combi-explorer, and `explorer run` refuses such a campaign."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from explorer.config.strict_base import Name, Strict
from hardware.assembly.specs import InstrumentBuild
from hardware.handoff import HandoffInstrument
from hardware.protocols import Instrument


class ExternalInstrumentConfig(Strict):
    """Measurements are made by the caller and handed to `Experiment.tell`.

    `channels` name the raw-array channels the caller's measurements carry (empty when the
    caller tells objective values directly; objectives then read `from: scalar`)."""

    kind: Literal["external"]
    channels: list[Name] = Field(default_factory=list)

    def build(self, build: InstrumentBuild) -> Instrument:
        return HandoffInstrument(tuple(self.channels))
