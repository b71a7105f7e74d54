"""The README and the docs pages: short README, links that resolve, nothing outside the repository.

Every relative link in README.md, CONTRIBUTING.md and docs/*.md must name a file in the
repository, and every `#anchor` must be a heading or an `<a id>` of the page it points to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

PAGES = sorted([REPO / "README.md", REPO / "CONTRIBUTING.md", *(REPO / "docs").glob("*.md")])
# pages that other work in progress adds; a link to one of them may dangle until it lands
NOT_YET_WRITTEN: set[str] = set()
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _anchors(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    ids = set(re.findall(r'<a id="([^"]+)"></a>', text))
    for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        ids.add(slug)
    return ids


def _links(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # code blocks hold no links
    return [t for t in LINK.findall(text) if not re.match(r"^[a-z]+://|^mailto:", t)]


def test_readme_is_a_front_page() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; move detail into docs/"
    text = "\n".join(lines)
    for command in ("make demo", "make test", "docs/index.md", "docs/architecture.md"):
        assert command in text


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_links_resolve_inside_the_repository(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "../shared" not in text, f"{page.name} points outside the repository"
    broken = []
    for target in _links(page):
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists() and file.parent == REPO / "docs" and file.name in NOT_YET_WRITTEN:
            continue
        missing = not file.is_file() or REPO not in file.parents
        if missing or (anchor and file.suffix == ".md" and anchor not in _anchors(file)):
            broken.append(target)
    assert not broken, f"{page.relative_to(REPO)}: broken links {broken}"


def test_every_page_is_listed_in_the_index() -> None:
    index = (REPO / "docs" / "index.md").read_text(encoding="utf-8")
    unlisted = [p.name for p in (REPO / "docs").glob("*.md") if p.name != "index.md"]
    unlisted = [name for name in unlisted if f"({name})" not in index]
    assert not unlisted, f"add to docs/index.md: {unlisted}"
