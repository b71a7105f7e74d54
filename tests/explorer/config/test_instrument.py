"""`instrument: {kind: sim}` maps its YAML fields onto hardware.assembly's spec; building it
from a campaign gives the instrument that spec assembles."""

from __future__ import annotations

import copy

import numpy as np

from explorer.config import parse_config
from explorer.config.instrument import SimInstrumentConfig
from explorer.engine.build import Seeds, build_instrument, composition_function, safety_fence
from hardware.assembly.sim import assemble_sim
from hardware.assembly.specs import InstrumentBuild
from hardware.sim import SimTiming
from tests.conftest import BASE_CONFIG


def _sim(**fields) -> SimInstrumentConfig:
    return SimInstrumentConfig(kind="sim", **fields)


def test_fields_map_onto_the_spec() -> None:
    cfg = _sim(
        sample="alscbn",
        noise="low",
        sample_params={"film_thickness_nm": 80.0},
        timing={"settle_s": 12.0},
        sspfm={"v_max": 40.0, "spots": 2},
        amplifier_v=150.0,
        faults=["nan@2"],
        start_xy_mm=(1.0, 2.0),
    )
    spec = cfg.spec()
    assert spec.pfm.sample.name == "alscbn" and spec.pfm.sample.noise == "low"
    assert dict(spec.pfm.sample.overrides) == {"film_thickness_nm": 80.0}
    assert spec.pfm.timing == SimTiming(settle_s=12.0)
    assert spec.pfm.amplifier_v == 150.0 and spec.pfm.faults == ("nan@2",)
    assert spec.recipe.params.v_max == 40.0 and spec.recipe.spots_per_location == 2
    assert spec.policy.bias_limit_v == 40.0 and spec.policy.settle_s == 12.0  # follows v_max
    assert spec.policy.controller_limits_mm == cfg.travel_mm and spec.start_xy_mm == (1.0, 2.0)


def test_soft_limits_become_the_controller_limits() -> None:
    cfg = _sim(safety={"soft_limits": {"x_mm": [0, 10], "y_mm": [0, 5]}})
    assert cfg.spec().policy.controller_limits_mm == ((0.0, 10.0), (0.0, 5.0))


def test_a_campaign_builds_what_its_spec_assembles(tmp_path) -> None:
    campaign = parse_config(copy.deepcopy(BASE_CONFIG))
    built = build_instrument(campaign)
    same = assemble_sim(
        campaign.instrument.spec(),
        InstrumentBuild(
            seed=Seeds.derive(campaign.seed).instrument,
            composition_at=composition_function(campaign),
            fence=safety_fence(campaign),
        ),
    )
    a = built.measure_at(3, 1.0, 0.5, timeout_s=900)
    b = same.measure_at(3, 1.0, 0.5, timeout_s=900)
    np.testing.assert_array_equal(a.arrays["sspfm.pr_off"], b.arrays["sspfm.pr_off"])
    built.close()
    same.close()
