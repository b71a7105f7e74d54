"""Registry parsing: the shipped registry loads; bad YAML is one line naming the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.benchmark.registry import load_registry, skip_reason
from explorer.errors import ConfigError
from tests.conftest import REPO

SHIPPED = REPO / "campaigns" / "benchmark" / "registry.yaml"


def test_shipped_registry_loads_with_every_task_family() -> None:
    reg = load_registry(SHIPPED)
    assert {"smbfo-narrow", "phases-rare", "pto-beps", "feconi-mobo", "pto-sspfm"} <= set(reg.tasks)
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
