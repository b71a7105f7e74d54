"""Every `explorer ... --help` page reads as a click CLI should: no raw placeholders
({run_dir}), no flag types (<bool>), every option described, paragraphs not broken mid-sentence,
commands in the order of use, and `explorer --version` prints the installed package version.

The walk covers whatever commands are registered, so a command added later is checked too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import metadata

import click
import pytest
import typer.main
from typer.core import TyperGroup

from explorer.cli import main
from explorer.cli.app import app
from explorer.cli.help_format import reflow


def _walk(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    commands = getattr(command, "commands", {})
    for name, sub in commands.items():
        yield from _walk(sub, (*path, name))


# a raw name in braces ({run_dir}) or a bare type (<bool>); a YAML mapping in a help text is fine
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}(?:\.\.\.)?|<bool>")
COMMANDS = list(_walk(typer.main.get_command(app)))


def _help_page(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*path, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p) or "explorer")
def test_help_page_has_no_raw_placeholders(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    page = _help_page(path, capsys)
    assert "Usage: explorer" in page
    raw = PLACEHOLDER.findall(page)
    assert not raw, f"`explorer {' '.join(path)} --help` shows {raw}:\n{page}"


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(p) or "explorer" for p, _ in COMMANDS]
)
def test_every_parameter_and_command_is_described(
    path: tuple[str, ...], command: click.Command
) -> None:
    where = f"explorer {' '.join(path)}".strip()
    assert command.help, f"{where} has no help text"
    first = command.help.split("\n\n")[0]
    assert "\n" not in first, f"{where}: help paragraph broken by a line break: {first!r}"
    for param in command.params:
        text = getattr(param, "help", None)
        assert text, f"{where}: {param.name} has no help= text"
        assert "\n" not in text, f"{where}: help of {param.name} broken by a line break"


def test_commands_are_listed_in_the_order_of_use(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, click.Group | TyperGroup)
    listed = group.list_commands(click.Context(group))
    in_use_order = ("validate", "run", "resume", "plot", "report", "compare", "dataset")
    assert [n for n in listed if n in in_use_order] == list(in_use_order)
    monkeypatch.setenv("COLUMNS", "120")
    page = _help_page((), capsys)
    assert page.index("Run a campaign") < page.index("Look at runs")


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert metadata.version("combi-explorer") in capsys.readouterr().out


def test_usage_line_names_arguments_in_upper_case(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    assert "Usage: explorer run [OPTIONS] CAMPAIGN" in _help_page(("run",), capsys)
    assert "Usage: explorer compare [OPTIONS] RUN_DIRS..." in _help_page(("compare",), capsys)


def test_reflow_joins_wrapped_lines_and_keeps_paragraphs() -> None:
    assert reflow("one\n  two\n\nthree\nfour") == "one two\n\nthree four"
    assert reflow("\bkeep\nthis") == "\bkeep\nthis"
    assert reflow(None) is None
