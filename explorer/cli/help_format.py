"""How `explorer ... --help` reads: click's conventions on top of typer's rich panels.

typer's rich help keeps single line breaks inside a docstring paragraph (a wrapped docstring
breaks mid-sentence), prints a required argument as `{name}` in the usage line and puts a
`<bool>` type beside every flag. The command and group classes here reflow help paragraphs,
name arguments in upper case (`explorer run [OPTIONS] CAMPAIGN`) and leave the type of a flag
blank. `ExplorerApp` makes them the default for every command and sub-group registered on it.
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

_BRACED = re.compile(r"^\{(?P<name>[^{}]+)\}(?P<rest>(\.\.\.)?)$")


def reflow(text: str | None) -> str | None:
    """Join the single line breaks inside each paragraph; keep paragraphs and `\\b` blocks."""
    if not text:
        return text
    paragraphs = text.strip().split("\n\n")
    return "\n\n".join(p if p.startswith("\b") else " ".join(p.split()) for p in paragraphs)


def _tidy_params(params: list[Any]) -> None:
    """Upper-case argument names; no `<bool>` beside flags."""
    for param in params:
        if isinstance(param, TyperArgument) and param.metavar is None and param.name:
            param.metavar = param.name.upper()
        elif isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""


class _TidyHelp:
    """Reflowed help text and tidy parameters (`_tidy_params`), for a command or a group."""

    help: str | None
    short_help: str | None
    params: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = reflow(self.help)
        self.short_help = reflow(self.short_help)
        _tidy_params(self.params)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        _tidy_params([option])
        return option


class ExplorerCommand(_TidyHelp, TyperCommand):
    """A typer command whose help follows click's conventions (see the module docstring)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """`{CAMPAIGN}` -> `CAMPAIGN`, `{RUN_DIRS}...` -> `RUN_DIRS...`."""
        pieces = super().collect_usage_pieces(ctx)
        return [_BRACED.sub(r"\g<name>\g<rest>", piece) for piece in pieces]


class ExplorerGroup(_TidyHelp, TyperGroup):
    """A typer group with reflowed help and no `<bool>` beside `--help`.

    `order` lists command names in the order they are used; commands it does not name follow
    in the order they were registered. `panels` maps a command name to its help panel.
    """

    order: tuple[str, ...] = ()
    panels: dict[str, str] = {}  # noqa: RUF012 (read-only class-level table)
    other_panel: str | None = None

    def list_commands(self, ctx: Any) -> list[str]:
        registered = super().list_commands(ctx)
        for name in registered:
            command = self.commands[name]
            if not getattr(command, "rich_help_panel", None):
                panel = self.panels.get(name, self.other_panel)
                setattr(command, "rich_help_panel", panel)  # noqa: B010 (not every Command has it)
        known = [name for name in self.order if name in registered]
        return known + [name for name in registered if name not in self.order]


class ExplorerApp(typer.Typer):
    """`typer.Typer` whose commands and groups default to the classes above."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", ExplorerGroup)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", ExplorerCommand)
        return super().command(*args, **kwargs)
