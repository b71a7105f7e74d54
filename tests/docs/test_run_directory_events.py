"""docs/run-directory.md documents every event type the log can hold, with every field.

The types come from the event registry, so a type or field added without a row in the page fails
here, naming it."""

from __future__ import annotations

import dataclasses

import explorer.cli  # noqa: F401 (imports every command, so feature modules register their types)
from explorer.engine import events
from tests.conftest import REPO

PAGE = REPO / "docs" / "run-directory.md"


def test_every_event_type_and_field_is_documented() -> None:
    page = PAGE.read_text(encoding="utf-8")
    missing: list[str] = []
    for name, cls in sorted(events.EVENT_TYPES.items()):
        anchor = f'<a id="event-{name}"></a>'
        if anchor not in page:
            missing.append(f"{name} (section {anchor})")
            continue
        section = page.split(anchor, 1)[1].split('<a id="', 1)[0]
        missing += [
            f"{name}.{f.name}"
            for f in dataclasses.fields(cls)
            if f.name not in ("seq", "time") and f"| `{f.name}` |" not in section
        ]
    assert not missing, f"add these to docs/run-directory.md: {', '.join(missing)}"
