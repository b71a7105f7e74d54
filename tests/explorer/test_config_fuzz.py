"""Property-based fuzzing of campaign YAML files (hypothesis).

Every example campaign and the test campaign are mutated (wrong types, huge numbers, NaN,
unicode, unknown keys, keys with the wrong unit suffix, deleted keys) or their text is damaged
(truncated, bytes inserted, alias bombs, deep nesting, tabs, invalid UTF-8). `explorer validate`
(the complete check `run` does before anything exists) must either accept the file or print
one `error:` line per problem and exit 2, never a traceback; the file is never modified. A
smaller set also goes through `explorer run --max-points 1`.
"""

from __future__ import annotations

import contextlib
import copy
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import BASE_CONFIG, CAMPAIGNS
from tests.fuzzing import assert_one_line_errors, digest, mutated, run_cli
from tests.reliability_summary import record

BASES: list[dict[str, Any]] = [copy.deepcopy(BASE_CONFIG)] + [
    yaml.safe_load(p.read_text()) for p in sorted(CAMPAIGNS.glob("*.yaml"))
]
SHORT = settings(max_examples=30, deadline=None, derandomize=True)
LONG = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextlib.contextmanager
def _written(text: str | bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="cfg-fuzz-") as tmp:
        path = Path(tmp) / "campaign.yaml"
        if isinstance(text, str):
            path.write_text(text, encoding="utf-8")
        else:
            path.write_bytes(text)
        yield path


def _dump(cfg: Any) -> str:
    return yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True)


def _check_validate(text: str | bytes, label: str) -> None:
    with _written(text) as path:
        before = digest([path])
        code, _, err = run_cli(["validate", str(path)])
        assert_one_line_errors(code, err)
        assert digest([path]) == before, "validate modified its input"
    record("fuzz", f"campaign YAML ({label})")


@st.composite
def mutated_config(draw: st.DrawFn) -> str:
    base = draw(st.sampled_from(BASES))
    return _dump(draw(mutated(base)))


def _alias_bomb(depth: int, width: int) -> str:
    lines = ['a0: &a0 ["lol"]']
    for k in range(1, depth):
        lines.append(f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


@st.composite
def damaged_text(draw: st.DrawFn) -> str | bytes:
    text = _dump(draw(st.sampled_from(BASES)))
    kind = draw(
        st.sampled_from(["truncate", "insert", "bomb", "nest", "tabs", "bytes", "dup", "big"])
    )
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    if kind == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.text(min_size=1, max_size=20)) + text[at:]
    if kind == "bomb":
        return text + _alias_bomb(draw(st.integers(3, 12)), draw(st.integers(2, 12)))
    if kind == "nest":
        n = draw(st.integers(50, 5000))
        return text + "deep: " + "[" * n + "]" * n + "\n"
    if kind == "tabs":
        return text.replace("  ", "\t", draw(st.integers(1, 5)))
    if kind == "bytes":
        raw = text.encode()
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    if kind == "dup":
        return text + text.splitlines()[draw(st.integers(0, 3))] + "\n"
    return text + "# " + "x" * 1_100_000 + "\n"


@SHORT
@given(text=mutated_config())
def test_mutated_campaigns_fail_cleanly(text: str) -> None:
    _check_validate(text, "mutated values and keys")


@SHORT
@given(text=damaged_text())
def test_damaged_yaml_fails_cleanly(text: str | bytes) -> None:
    _check_validate(text, "damaged text")


@pytest.mark.reliability
@LONG
@given(text=st.one_of(mutated_config(), damaged_text()))
def test_campaign_fuzz_long(text: str | bytes) -> None:
    _check_validate(text, "long run")


@settings(max_examples=15, deadline=None, derandomize=True)
@given(text=mutated_config())
def test_mutated_campaigns_run_or_fail_cleanly(text: str) -> None:
    """`explorer run` on the same inputs: it validates first, so it never starts a run it
    cannot finish with a clear line (a valid mutation runs one point)."""
    with _written(text) as path:
        before = digest([path])
        out = path.parent / "runs"
        code, _, err = run_cli(["run", str(path), "-q", "--max-points", "1", "--out", str(out)])
        assert "Traceback" not in err, err
        assert code in (0, 2, 3), (code, err)  # 3: a hardware fault of a valid lab config
        assert digest([path]) == before
    record("fuzz", "campaign YAML (explorer run)")


@pytest.mark.parametrize(
    ("patch", "words"),
    [
        ({"seed": math.nan}, "seed"),
        ({"library": {**BASE_CONFIG["library"], "x_um": [0, 8]}}, "did you mean 'x_mm'"),
        ({"stop": {"max_hours": "3 h"}}, "stop.max_hours"),
        ({"stop": {"max_points": 10**30}}, "stop.max_points"),
        ({"instrument": {"kind": "sim", "measure_timeout_min": 5}}, "measure_timeout_s"),
        ({"name": "\u202ebad"}, "name"),
    ],
)
def test_typical_mistakes_name_the_key_and_the_fix(patch, words) -> None:
    cfg = copy.deepcopy(BASE_CONFIG)
    cfg.update(patch)
    with _written(_dump(cfg)) as path:
        code, _, err = run_cli(["validate", str(path)])
    assert_one_line_errors(code, err, allow_ok=False)
    assert words in err, err


@pytest.mark.parametrize(
    ("params", "words"),
    [
        (
            {"dead_spot_probability": 1.0},
            "sample_params.dead_spot_probability: 1.0 must be in [0, 1)",
        ),
        ({"q_mean": -3.0}, "sample_params.q_mean: -3.0 must be > 0"),
        ({"spatial_length_mm": 0.0}, "sample_params.spatial_length_mm"),
        ({"no_such_param": 1.0}, "unknown parameter(s) ['no_such_param']"),
    ],
)
def test_bad_sample_params_are_refused_at_load(params, words) -> None:
    """A physics override that would break the simulator mid-campaign is refused up front."""
    cfg = copy.deepcopy(BASE_CONFIG)
    cfg["instrument"]["sample_params"] = params
    with _written(_dump(cfg)) as path:
        code, _, err = run_cli(["validate", str(path)])
    assert_one_line_errors(code, err, allow_ok=False)
    assert words in err, err


def _sample_param_names(sample: str) -> list[str]:
    from hardware.assembly.samples import sample_param_names

    return sorted(sample_param_names(sample))


@st.composite
def sample_params_config(draw: st.DrawFn) -> dict[str, Any]:
    sample = draw(st.sampled_from(["smbfo", "alscbn"]))
    names = draw(st.lists(st.sampled_from(_sample_param_names(sample)), min_size=1, max_size=3))
    extremes = st.sampled_from([0.0, -1.0, 1.0, 1e-300, 1e300, -1e300, 0.999999, 1e6])
    params = {
        n: draw(st.one_of(st.floats(allow_nan=False, allow_infinity=False), extremes))
        for n in names
    }
    if sample == "alscbn":
        cfg = yaml.safe_load((CAMPAIGNS / "alscbn-sim.yaml").read_text())
    else:
        cfg = copy.deepcopy(BASE_CONFIG)
    cfg["instrument"]["sample_params"] = params
    return cfg


def _run_sample_params(cfg: dict[str, Any]) -> None:
    """What validation accepts, the simulator runs: `explorer run` exits 0 or 2, never with a
    traceback or an internal error. Some accepted overrides put the simulated sample outside
    what the instrument tolerates (e.g. an f0_slope that moves the resonance out of the tune
    window): that is a safe stop with a `fault` event and exit 3, as on a real sample."""
    with _written(_dump(cfg)) as path:
        out = path.parent / "runs"
        code, stdout, err = run_cli(
            ["run", str(path), "-q", "--max-points", "2", "--out", str(out)]
        )
        if code == 3:
            assert "Traceback" not in err and stdout.startswith("run directory:"), stdout
            assert "\nfault: " in stdout, stdout
            record("fuzz", "sample_params overrides (safe stop, exit 3)")
        else:
            assert_one_line_errors(code, err)
    record("fuzz", "sample_params overrides (explorer run)")


@settings(max_examples=10, deadline=None, derandomize=True)
@given(cfg=sample_params_config())
def test_sample_params_are_checked_or_run(cfg) -> None:
    _run_sample_params(cfg)


@pytest.mark.reliability
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=sample_params_config())
def test_sample_params_fuzz_long(cfg) -> None:
    _run_sample_params(cfg)
