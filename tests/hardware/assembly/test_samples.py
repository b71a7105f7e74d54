"""The one sample table: every simulated sample by name, its parameters and composition keys."""

from __future__ import annotations

import dataclasses

import pytest

from hardware.assembly.samples import (
    NOISE_TIERS,
    SAMPLES,
    build_sample,
    sample_elements,
    sample_param_names,
)
from hardware.assembly.specs import SampleSpec


def test_the_table_names_every_simulated_sample() -> None:
    assert sorted(SAMPLES) == ["alscbn", "phases", "smbfo"]
    assert sample_elements("smbfo") == ("Sm",) and sample_elements("alscbn") == ("Sc", "B")
    assert sample_elements("phases") == ()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_parameters_are_the_float_fields_and_build_a_model(name: str) -> None:
    kind = SAMPLES[name]
    names = sample_param_names(name)
    assert names and names <= {f.name for f in dataclasses.fields(kind.params)}
    sample = build_sample(SampleSpec(name), seed=3)
    assert isinstance(sample, kind.model) and sample.params == kind.params()


def test_overrides_and_noise_levels_apply() -> None:
    realistic = build_sample(SampleSpec("smbfo", overrides={"x_mpb": 0.12}), seed=1).params
    assert realistic.x_mpb == 0.12
    none = build_sample(SampleSpec("smbfo", "none"), seed=1).params
    low = build_sample(SampleSpec("smbfo", "low"), seed=1).params
    for tier in NOISE_TIERS:
        assert getattr(none, tier) == 0.0
        assert getattr(low, tier) == pytest.approx(0.25 * getattr(realistic, tier))
    assert none.detector_noise == pytest.approx(0.01 * realistic.detector_noise)


def test_an_unknown_sample_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown sample 'pzt'; known: \['alscbn'"):
        sample_elements("pzt")
