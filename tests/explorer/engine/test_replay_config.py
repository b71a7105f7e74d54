"""Replay config: path resolution, sha256 pinning, validation messages, dkl_bo schema."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from explorer.config import StrategyBuild, load_config, parse_config
from explorer.engine.build import build_instrument, validate_deep
from explorer.errors import ConfigError
from hardware.replay import ReplayInstrument, write_dataset
from tests.hardware.replay.helpers import toy_dataset


@pytest.fixture
def toy_file(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    return write_dataset(toy_dataset(), tmp_path / "data" / "toy.h5")


def _cfg(make_config, path: str, **inst):  # type: ignore[no-untyped-def]
    return make_config(
        library={"kind": "dataset", "path": path},
        instrument={"kind": "replay", "dataset": path, **inst},
        objectives=[{"name": "loop_height", "from": "sspfm", "metric": "loop_height"}],
    )


def test_relative_paths_resolve_against_the_campaign_file(make_config, tmp_path, toy_file) -> None:
    camp_dir = tmp_path / "campaigns"
    camp_dir.mkdir()
    path = camp_dir / "c.yaml"
    path.write_text(yaml.safe_dump(_cfg(make_config, "../data/toy.h5")))
    cfg = load_config(path)
    assert cfg.library.path == toy_file.resolve()  # type: ignore[union-attr]
    assert cfg.instrument.dataset == toy_file.resolve()  # type: ignore[union-attr]
    assert cfg.instrument.sha256 == cfg.library.sha256 and len(cfg.instrument.sha256 or "") == 64  # type: ignore[union-attr]
    dumped = cfg.model_dump(mode="json", by_alias=True)
    again = parse_config(dumped)  # a run's config.yaml needs no base dir
    assert again.instrument.sha256 == cfg.instrument.sha256  # type: ignore[union-attr]


def test_then_against_the_current_directory(make_config, tmp_path, toy_file, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = parse_config(_cfg(make_config, "data/toy.h5"), base_dir=tmp_path / "elsewhere")
    assert cfg.library.path == toy_file.resolve()  # type: ignore[union-attr]
    assert os.path.isabs(cfg.instrument.dataset)  # type: ignore[union-attr]


def test_missing_file_names_both_places(make_config, tmp_path) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(_cfg(make_config, "nope.h5"), base_dir=tmp_path)
    assert info.value.problems[0].startswith("<config>: library.path: dataset file 'nope.h5'")
    assert str(tmp_path / "nope.h5") in info.value.problems[0]


def test_pinned_hash_must_match(make_config, toy_file) -> None:
    data = _cfg(make_config, str(toy_file), sha256="0" * 64)
    with pytest.raises(ConfigError, match=r"instrument: the dataset file .* has changed"):
        parse_config(data)


@pytest.mark.parametrize(
    ("edit", "expect"),
    [
        (lambda c: c["instrument"].update(miss="closest"), "instrument.miss"),
        (lambda c: c["instrument"].update(timing={"warp_s": 1.0}), "unknown timing field"),
        (lambda c: c["instrument"].update(noise={"relative": -1}), "instrument.noise.relative"),
        (lambda c: c["instrument"].update(format="tiff"), "instrument.format"),
        (lambda c: c["library"].update(features="pixels"), "library.features"),
        (lambda c: c["library"].update(patch_size=4), "patch_size must be odd"),
        (lambda c: c.update(strategy={"kind": "dkl_bo", "network": {"nu": 1.0}}), "nu must be"),
        (
            lambda c: c.update(strategy={"kind": "dkl_bo", "acquisition": "qehvi"}),
            "strategy.acquisition",
        ),
    ],
)
def test_bad_replay_config_is_one_line(make_config, toy_file, edit, expect) -> None:
    data = _cfg(make_config, str(toy_file))
    edit(data)
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert len(info.value.problems) == 1 and expect in info.value.problems[0]


def test_library_from_dataset_and_instrument_build(make_config, toy_file) -> None:
    cfg = parse_config(_cfg(make_config, str(toy_file), timing={"measure_s": 7.0}))
    library = validate_deep(cfg)
    assert len(library) == 24 and library.feature_names == ("Sm",)
    assert library.ids.tolist() == list(range(100, 124))
    inst = build_instrument(cfg, start_time_s=50.0)
    assert isinstance(inst, ReplayInstrument)
    m = inst.measure_at(105, *library.position_of(105), timeout_s=1e4)
    assert m.durations_s["measure"] == 7.0 and m.t_start_s == 50.0
    # the safety fence of a dataset library is the extent of its recorded locations
    assert inst.fence.violation(2.5, 1.5) is None and inst.fence.violation(2.6, 1.0) is not None


def test_image_patch_and_position_features(make_config, toy_file) -> None:
    data = _cfg(make_config, str(toy_file))
    data["library"].update(features="image_patch", patch_size=3)
    library = validate_deep(parse_config(data))
    assert len(library) == 4 * 2 and library.dim == 9  # 6×4 image, crop keeps 4×2
    data["library"].update(patch_edge="reflect")
    assert len(validate_deep(parse_config(data))) == 24
    data["library"].update(features="position")
    assert validate_deep(parse_config(data)).feature_names == ("x_mm", "y_mm")


def test_dkl_bo_needs_objective_choice_with_two_objectives(make_config, toy_file) -> None:
    data = _cfg(make_config, str(toy_file))
    data["objectives"].append({"name": "h", "from": "scalar", "metric": "height"})
    data["strategy"] = {"kind": "dkl_bo"}
    with pytest.raises(ConfigError, match="set `objective:`"):
        parse_config(data)
    data["strategy"]["objective"] = "h"
    strategy = parse_config(data).strategy.build(StrategyBuild(("loop_height", "h")))
    assert strategy.objective_index == 1  # type: ignore[attr-defined]


def test_replay_config_swaps_the_file_and_keeps_replay_settings(make_config, toy_file) -> None:
    import dataclasses

    from explorer.engine.replay_config import replay_config
    from tests.hardware.replay.helpers import toy_dataset

    other = write_dataset(
        dataclasses.replace(toy_dataset(), name="other"), toy_file.with_name("other.npz")
    )
    data = _cfg(make_config, str(toy_file), miss="nearest", noise={"relative": 0.1})
    cfg = replay_config(parse_config(data), other)
    inst = cfg.instrument
    assert inst.dataset == other.resolve() and cfg.library.path == other.resolve()  # type: ignore[union-attr]
    assert inst.miss == "nearest" and inst.noise.relative == 0.1  # type: ignore[union-attr]
    assert inst.sha256 != parse_config(data).instrument.sha256  # type: ignore[union-attr]
    sim = parse_config(make_config())  # a simulated campaign: the instrument is replaced
    replayed = replay_config(sim, toy_file, miss="nearest", noise_relative=0.2)
    assert replayed.instrument.kind == "replay" and replayed.library.kind == "grid"
    assert replayed.instrument.noise.relative == 0.2  # type: ignore[union-attr]
