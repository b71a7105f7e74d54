"""Registry parsing: the shipped registry loads; bad YAML is one line naming the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.benchmark.registry import load_registry, skip_reason
from explorer.benchmark.run import task_plan
from explorer.config import parse_config
from explorer.errors import ConfigError
from tests.conftest import REPO

SHIPPED = REPO / "campaigns" / "benchmark" / "registry.yaml"


def test_shipped_registry_loads_with_every_task_family() -> None:
    reg = load_registry(SHIPPED)
    shipped = {"smbfo-narrow", "phases-rare", "phases-rare-image", "pto-beps", "feconi-mobo"}
    assert shipped | {"pto-sspfm"} <= set(reg.tasks)
    for task in reg.tasks.values():
        assert task.campaign.is_file(), task.campaign
        assert {"random", "sobol"} <= set(task.strategies)
    curiosity = reg.tasks["pto-sspfm-curiosity"]
    assert (
        curiosity.score.kind == "curiosity_loss" and curiosity.score.array == "sspfm.polarization"
    )
    assert "curiosity" in curiosity.strategies and curiosity.requires_env == ["COMBI_EXTERNAL_DATA"]


def test_external_tasks_skip_without_their_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMBI_EXTERNAL_DATA", raising=False)
    reg = load_registry(SHIPPED)
    assert skip_reason(reg.tasks["feconi-mobo"]) == "needs COMBI_EXTERNAL_DATA (external data)"
    assert skip_reason(reg.tasks["smbfo-narrow"]) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "must be a YAML mapping"),
        ("strategies: {}\ntasks: {t: {family: optimise}}\n", "tasks.t.campaign: Field required"),
        (
            "strategies: {random: {}}\ntasks: {t: {family: optimise, campaign: c.yaml, "
            "score: {kind: optimum}, budgets: [5], strategies: [random, nope]}}\n",
            "unknown ['nope']",
        ),
        ("strategies: {}\ntasks: {}\nbogus: 1\n", "bogus: Extra inputs are not permitted"),
    ],
)
def test_bad_registry_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_registry(path)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_every_shipped_strategy_override_is_a_valid_campaign(tmp_path: Path) -> None:
    """Each task's strategies merge into its campaign as valid configs; the narrow-peak task's
    recommended strategy carries the resolution lengthscale prior."""
    reg = load_registry(SHIPPED)
    for name, task in reg.tasks.items():
        if skip_reason(task) is not None:
            continue
        plan = task_plan(name, task, reg, [0], tmp_path)
        for t in plan.tasks:
            parse_config(t.campaign, source=t.key)
    plan = task_plan("smbfo-narrow", reg.tasks["smbfo-narrow"], reg, [0], tmp_path)
    chosen = [t for t in plan.tasks if t.key.endswith("gp_bo_resolution/seed-0")]
    assert len(chosen) == 1, [t.key for t in plan.tasks]
    then = chosen[0].campaign["strategy"]["then"]
    assert then["lengthscale_prior"] == "resolution" and then["acquisition"] == "ucb"
