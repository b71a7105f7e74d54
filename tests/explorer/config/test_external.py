"""`instrument: {kind: external}` builds a hand-off instrument with the named channels and
refuses unknown keys and bad channel names."""

from __future__ import annotations

import pydantic
import pytest

from explorer.config.external import ExternalInstrumentConfig
from hardware.assembly.specs import InstrumentBuild
from hardware.handoff import HandoffInstrument


def test_builds_a_handoff_instrument_with_its_channels(tmp_path) -> None:
    cfg = ExternalInstrumentConfig.model_validate({"kind": "external", "channels": ["beps"]})
    build = InstrumentBuild(seed=1, composition_at=lambda x, y: {}, run_dir=tmp_path)
    inst = cfg.build(build)
    assert isinstance(inst, HandoffInstrument) and inst.channels == ("beps",)


def test_unknown_keys_and_bad_channel_names_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="Extra inputs"):
        ExternalInstrumentConfig.model_validate({"kind": "external", "port": "/dev/x"})
    with pytest.raises(pydantic.ValidationError, match="pattern"):
        ExternalInstrumentConfig.model_validate({"kind": "external", "channels": ["1bad"]})
