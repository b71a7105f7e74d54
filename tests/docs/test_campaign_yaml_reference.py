"""docs/campaign-yaml.md documents every key of every section a campaign YAML can hold.

The sections are found by walking the pydantic models from CampaignConfig, so a key or a
`kind:` added to explorer/config/ without a row in the reference fails here, naming both."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from explorer.config import CampaignConfig
from tests.conftest import REPO

PAGE = REPO / "docs" / "campaign-yaml.md"


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    if get_origin(annotation) in (Annotated, Union, types.UnionType, list, tuple, dict):
        for arg in get_args(annotation):
            yield from _models_in(arg)


def _all_models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    todo: list[type[BaseModel]] = [CampaignConfig]
    while todo:
        model = todo.pop()
        if model in found:
            continue
        found.append(model)
        for field in model.model_fields.values():
            todo.extend(_models_in(field.annotation))
    return found


def _section(page: str, model: type[BaseModel]) -> str:
    anchor = f'<a id="{model.__name__.lower()}"></a>'
    assert anchor in page, f"docs/campaign-yaml.md has no section {anchor} for {model.__name__}"
    body = page.split(anchor, 1)[1]
    return body.split('<a id="', 1)[0]


def test_every_config_section_and_key_is_documented() -> None:
    page = PAGE.read_text(encoding="utf-8")
    missing = [
        f"{model.__name__}.{field.alias or name}"
        for model in _all_models()
        for name, field in model.model_fields.items()
        if f"| `{field.alias or name}` |" not in _section(page, model)
    ]
    assert not missing, f"add these keys to docs/campaign-yaml.md: {', '.join(missing)}"


def test_the_walk_reaches_every_kind_of_every_union() -> None:
    names = {model.__name__ for model in _all_models()}
    assert {"GPBOConfig", "ReplayInstrumentConfig", "DatasetLibrary", "SafetyConfig"} <= names
