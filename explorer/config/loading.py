"""Reading a campaign YAML safely and turning validation errors into one line per problem."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from explorer.config.campaign_config import CampaignConfig
from explorer.config.retired_keys import refuse_retired
from explorer.errors import ConfigError

MAX_YAML_BYTES = 1_000_000
MAX_ALIASES = 200


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader that refuses alias bombs ("billion laughs") and duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise ConfigError(
                    f"YAML uses more than {MAX_ALIASES} aliases; refusing (alias bomb?)"
                )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
        dup = {str(k) for k in keys if keys.count(k) > 1}
        if dup:
            raise ConfigError(f"line {node.start_mark.line + 1}: duplicate key(s) {sorted(dup)}")
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file with yaml's safe loader (no arbitrary objects) and size limits."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a campaign YAML file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    if len(raw) > MAX_YAML_BYTES:
        raise ConfigError(f"{path}: {len(raw)} bytes is too large for a campaign file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        return yaml.load(text, Loader=_LimitedLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: {where}invalid YAML ({problem})") from None
    except RecursionError:
        raise ConfigError(f"{path}: YAML nesting is too deep") from None


_FIXES = {
    "extra_forbidden": "unknown key; remove it or check its spelling",
    "missing": "required key is missing; add it",
    "union_tag_invalid": "unknown kind",
    "union_tag_not_found": "missing `kind:`; add one",
    "literal_error": "not an allowed value",
}


def _loc(loc: tuple[int | str, ...], tags: set[str]) -> str:
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        elif p in tags or p.startswith(("function-", "tagged-union")):
            continue
        else:
            parts.append(("." if parts else "") + p)
    return "".join(parts) or "<top level>"


def format_validation_error(exc: ValidationError) -> list[str]:
    """One line per problem: `key.path: what is wrong (how to fix it)`."""
    tags = _all_kind_tags()
    lines = []
    for err in exc.errors(include_url=False):
        where = _loc(tuple(err["loc"]), tags)
        kind = err["type"]
        msg = err["msg"]
        if kind == "union_tag_invalid":
            ctx = err.get("ctx", {})
            msg = f"unknown kind {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
        elif kind == "extra_forbidden":
            key = str(err["loc"][-1])
            hint = _did_you_mean(key, tuple(err["loc"][:-1]), tags)
            msg = f"unknown key {key!r}; {hint or 'remove it or check its spelling'}"
        elif kind == "missing":
            msg = f"required key {str(err['loc'][-1])!r} is missing; add it"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        elif kind in _FIXES and kind != "literal_error":
            msg = f"{msg} ({_FIXES[kind]})"
        if kind in {"extra_forbidden", "missing"}:
            where = _loc(tuple(err["loc"][:-1]), tags) if len(err["loc"]) > 1 else "<top level>"
        head, sep, rest = msg.partition(": ")
        if where == "<top level>" and sep and " " not in head:  # cross-field check names its key
            where, msg = head, rest
        lines.append(f"{where}: {msg}")
    return lines


_UNIT = re.compile(r"_(mm|um|nm|m|cm|s|ms|us|min|h|v|mv|kv|hz|khz|mhz|deg|rad|pct)$")


def _did_you_mean(key: str, parent: tuple[int | str, ...], tags: set[str]) -> str | None:
    """A hint for an unknown key: the same quantity in the documented unit (x_um -> x_mm),
    or a close spelling."""
    model = _model_at(parent, tags)
    if model is None:
        return None
    allowed = [f.alias or name for name, f in model.model_fields.items()]
    stem = _UNIT.sub("", key.lower())
    same = [a for a in allowed if _UNIT.sub("", a) == stem and _UNIT.search(a)]
    if same:
        return f"did you mean {same[0]!r}? (the unit is part of the key name)"
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.75)
    return f"did you mean {close[0]!r}?" if close else None


def _model_at(loc: tuple[int | str, ...], tags: set[str]) -> Any:
    """The config model at an error location (None if it cannot be told)."""
    current: list[Any] = [CampaignConfig]
    for part in loc:
        if isinstance(part, int):
            continue
        if part in tags or part.startswith(("function-", "tagged-union")):
            chosen = [m for m in current if part in _kinds(m)]
            current = chosen or current
            continue
        nxt: list[Any] = []
        for m in current:
            by_alias = {f.alias or n: f for n, f in m.model_fields.items()}
            if part in by_alias:
                nxt += [t for t in _types_in(by_alias[part].annotation) if _is_model(t)]
        if not nxt:
            return None
        current = nxt
    return current[0] if len(current) == 1 else None


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "model_fields")


def _kinds(model: Any) -> set[str]:
    kind = model.model_fields.get("kind")
    return {str(a) for a in getattr(kind.annotation, "__args__", ())} if kind else set()


def _all_kind_tags() -> set[str]:
    """Every `kind:` literal in the schema (pydantic puts the tag into error locations)."""
    tags: set[str] = set()
    seen: set[int] = set()

    def visit(model: Any) -> None:
        if id(model) in seen or not hasattr(model, "model_fields"):
            return
        seen.add(id(model))
        kind = model.model_fields.get("kind")
        if kind is not None and getattr(kind.annotation, "__args__", None):
            tags.update(str(a) for a in kind.annotation.__args__)
        for f in model.model_fields.values():
            for sub in _types_in(f.annotation):
                visit(sub)

    visit(CampaignConfig)
    return tags


def _types_in(tp: Any) -> list[Any]:
    out = [tp]
    for a in getattr(tp, "__args__", ()) or ():
        out += _types_in(a)
    meta = getattr(tp, "__metadata__", None)
    if meta is not None and hasattr(tp, "__origin__"):
        out += _types_in(tp.__origin__)
    return out


def parse_config(
    data: Any, *, source: str = "<config>", base_dir: Path | None = None
) -> CampaignConfig:
    """Validate already-parsed YAML data into a CampaignConfig or raise ConfigError.

    `base_dir` (the campaign file's folder) anchors relative file paths such as datasets."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a campaign must be a YAML mapping, got {type(data).__name__}")
    if "schema_version" in data and data["schema_version"] != 1:
        raise ConfigError(
            f"{source}: schema_version: {data['schema_version']!r} is not supported; this "
            "version of combi-explorer reads schema_version: 1"
        )
    refuse_retired(data, source)
    try:
        return CampaignConfig.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as exc:
        problems = tuple(f"{source}: {line}" for line in format_validation_error(exc))
        raise ConfigError(problems[0], problems) from None


def load_config(path: Path) -> CampaignConfig:
    """Read and validate a campaign YAML."""
    return parse_config(read_yaml(path), source=str(path), base_dir=path.parent)
