"""Structure -> property exploration on a replayed BEPS map (a science check).

Every run is the shipped `campaigns/pto-beps-dkl.yaml` (replay of pto-beps-50x50, candidates =
the 2500 scan pixels) with its strategy, feature set, seed and budget swapped, run through the
ordinary session and runner. The oracle is the campaign objective (loop_area_numeric of the
despiked loop) evaluated at every location; a run scores the fraction of the top-5 % locations
it has measured after k measurements. Model quality is the full-grid prediction error of the
surrogate refitted after k measurements from the run's own log (warm-started from the logged
model_state, exactly as the run's next decision would).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.rundata import RunData
from explorer.config import StrategyBuild, load_config, parse_config
from explorer.datasets import load_dataset
from explorer.engine.build import Seeds, build_library
from explorer.engine.session import start_new
from explorer.library import CandidateSet
from explorer.models.gp import GPHyperparameters, GPOptions, fit_gp
from explorer.objectives import last_cycle
from explorer.observations import Observations
from explorer.strategies.base import SuggestContext
from hardware.pfm.loops import branch_directions, numeric_loop_area

FloatArray = NDArray[np.float64]

#: strategies compared with the campaign's own dkl_bo (None = keep the campaign's)
GP_BO: dict[str, Any] = {
    "kind": "two_phase",
    "initial": {"kind": "random", "n": 10},
    "then": {"kind": "gp_bo", "acquisition": "ei"},
}
N_INITIAL = 10
VARIANTS: dict[str, tuple[dict[str, Any] | None, str]] = {
    "dkl_bo (5×5 patches)": (None, "image_patch"),
    "gp_bo (stage x, y)": (GP_BO, "position"),
    "random": ({"kind": "random"}, "image_patch"),
    "gp_bo (5×5 patches, ARD)": (GP_BO, "image_patch"),
}


def variant_config(
    campaign: Path,
    strategy: Mapping[str, Any] | None,
    features: str,
    seed: int,
    budget: int,
    out_dir: Path,
) -> dict[str, Any]:
    """The campaign as a (resolved) dict with another strategy/features/seed/budget/output."""
    cfg: dict[str, Any] = load_config(campaign).model_dump(mode="json", by_alias=True)
    if strategy is not None:
        cfg["strategy"] = copy.deepcopy(dict(strategy))
    cfg["library"]["features"] = features
    cfg.update(seed=seed, stop={"max_points": budget}, output={"dir": str(out_dir)})
    return cfg


def run(cfg: Mapping[str, Any]) -> RunData:
    """Run a campaign to its stop rule with the ordinary session and runner."""
    session = start_new(parse_config(dict(cfg)))
    try:
        outcome = session.runner.run()
    finally:
        session.close()
    if outcome.status != "success":
        raise RuntimeError(f"benchmark run failed: {outcome.reason}")
    return RunData.load(session.run_dir)


def oracle(campaign: Path) -> tuple[NDArray[np.int64], FloatArray]:
    """(ids, objective at every location): numeric_loop_area of the last cycle of the despiked
    loop, i.e. exactly what the campaign's `loop_area_numeric` objective computes."""
    cfg = load_config(campaign)
    ds = load_dataset(cfg.instrument.dataset)  # type: ignore[union-attr]
    bias = ds.channels["beps"].axes["bias_v"].values
    sl = last_cycle(bias)
    rising = branch_directions(bias[sl])
    loops = ds.channels["beps"].data["piezoresponse"].values
    return ds.ids, np.array([numeric_loop_area(bias[sl], p[sl], rising) for p in loops])


def top_fraction_found(
    run_data: RunData, ids: NDArray[np.int64], values: FloatArray, after: Sequence[int]
) -> list[float]:
    """Fraction of the top-5 % locations (by `values`) measured within the first k steps."""
    top = set(ids[values >= np.quantile(values, 0.95)].tolist())
    visited = run_data.location_ids
    return [len(top & set(visited[:k].tolist())) / len(top) for k in after]


def observations_after(run_data: RunData, library: CandidateSet, k: int) -> Observations:
    """The run's Observations after its first k measurements (one maximised objective)."""
    name = run_data.objective_names[0]
    obs = Observations.empty(library.dim, (name,))
    for m in run_data.measured[:k]:
        row = int(library.index_of([m.location_id])[0])
        value = m.objectives[name]
        y = np.array([np.nan if value is None else value])
        obs = obs.append(m.location_id, library.features[row], y, (m.x_mm, m.y_mm))
    return obs


def warm_state(run_data: RunData, k: int, key: str) -> dict[str, Any]:
    """The model_state logged with the last suggestion decided before measurement k."""
    states = [s.model_state for s in run_data.suggested if s.step < k and key in s.model_state]
    return dict(states[-1]) if states else {}


def grid_error(pred: FloatArray, truth: FloatArray) -> tuple[float, float]:
    """(RMSE / std of the truth, Spearman rank correlation) over every location."""
    from scipy.stats import spearmanr

    rmse = float(np.sqrt(np.mean((pred - truth) ** 2)) / np.std(truth))
    return rmse, float(spearmanr(pred, truth)[0])


def dkl_grid_prediction(run_data: RunData, cfg: Mapping[str, Any], k: int) -> FloatArray:
    """Posterior mean at every library location of the run's DKL after k measurements."""
    parsed = parse_config(dict(cfg))
    library = build_library(parsed)
    strategy: Any = parsed.strategy.then.build(StrategyBuild(("loop_area",)))  # type: ignore[union-attr]
    obs = observations_after(run_data, library, k)
    ctx = SuggestContext(
        seed=Seeds.derive(parsed.seed).strategy, step=k, warm_start=warm_state(run_data, k, "dkl")
    )
    remaining = library.without(obs.ids.tolist())
    model, x_cand, _ = strategy.fit(remaining, obs, ctx)
    x_obs = strategy.transform(remaining, obs, ctx)[0]
    pred = np.empty(len(library))
    pred[library.index_of(remaining.ids)] = model.predict(x_cand)[0]
    pred[library.index_of(obs.ids)] = model.predict(x_obs)[0]
    return pred


def gp_grid_prediction(run_data: RunData, cfg: Mapping[str, Any], k: int) -> FloatArray:
    """Posterior mean at every library location of the run's exact GP after k measurements."""
    library = build_library(parse_config(dict(cfg)))
    obs = observations_after(run_data, library, k)
    warm = warm_state(run_data, k, "gp").get("gp")
    ok = np.isfinite(obs.Y[:, 0])
    gp = fit_gp(
        library.unit_features(obs.X[ok]),
        obs.Y[ok, 0],
        options=GPOptions(),
        warm_start=GPHyperparameters.from_dict(warm) if warm else None,
    )
    return gp.predict(library.unit_features())[0]


@dataclass(frozen=True)
class VariantResult:
    name: str
    seed: int
    found: list[float]  # per `after`
    errors: list[tuple[float, float]]  # per `grid_ks`: (RMSE/σ, Spearman); empty for random
    decision_s: list[float] = field(default_factory=list)  # each model decision's time
    initial_ids: list[int] = field(default_factory=list)  # the random initial design
    wall_s: float = 0.0


def run_variant(
    campaign: Path,
    name: str,
    seed: int,
    out_dir: Path,
    *,
    budget: int = 100,
    after: Sequence[int] = (50, 100),
    grid_ks: Sequence[int] = (),
    truth: tuple[NDArray[np.int64], FloatArray] | None = None,
    network: Mapping[str, Any] | None = None,
) -> VariantResult:
    """One seeded run of one variant, scored against the oracle."""
    strategy, features = VARIANTS[name]
    cfg = variant_config(campaign, strategy, features, seed, budget, out_dir)
    if network and cfg["strategy"].get("then", {}).get("kind") == "dkl_bo":
        cfg["strategy"]["then"]["network"].update(network)
    ids, values = truth if truth is not None else oracle(campaign)
    t0 = time.perf_counter()
    rd = run(cfg)
    wall_s = time.perf_counter() - t0
    found = top_fraction_found(rd, ids, values, after)
    truth_lib = values[np.searchsorted(ids, build_library(parse_config(cfg)).ids)]
    predict = dkl_grid_prediction if name.startswith("dkl") else gp_grid_prediction
    errors = (
        [] if name == "random" else [grid_error(predict(rd, cfg, k), truth_lib) for k in grid_ks]
    )
    model = [x for x in rd.suggested if x.origin == "strategy" and x.strategy != "random"]
    picks = model or [x for x in rd.suggested if x.origin == "strategy"]  # random: its own
    decisions = [float(x.decision_s) for x in picks]
    initial = [int(i) for i in rd.location_ids[:N_INITIAL]]
    return VariantResult(name, seed, found, errors, decisions, initial, wall_s)


def format_tables(
    results: Sequence[VariantResult], after: Sequence[int], grid_ks: Sequence[int], n_top: int
) -> str:
    """The two result tables (mean ± sd over seeds)."""
    names = list(dict.fromkeys(r.name for r in results))
    n_seeds = len({r.seed for r in results})
    lines = [
        f"fraction of the top-5 % loop-area locations ({n_top}) found, {n_seeds} seeds (mean ± sd)",
        f"{'strategy':<27}" + "".join(f"{'after ' + str(k):>16}" for k in after),
    ]
    for name in names:
        arr = np.array([r.found for r in results if r.name == name])
        lines.append(
            f"{name:<27}"
            + "".join(f"{m:>9.3f} ± {s:.3f}" for m, s in zip(arr.mean(0), arr.std(0), strict=True))
        )
    lines.append("random expectation: " + ", ".join(f"{k / 2500:.3f} after {k}" for k in after))
    if not grid_ks:
        return "\n".join(lines)
    lines += ["", "full-grid prediction of loop area after k measurements: RMSE/σ | Spearman ρ"]
    lines.append(f"{'model':<27}" + "".join(f"{'k=' + str(k):>22}" for k in grid_ks))
    for name in names:
        errs = np.array([r.errors for r in results if r.name == name and r.errors])
        if errs.size == 0:
            continue
        mean, sd = errs.mean(0), errs.std(0)
        cells = "".join(
            f"{mean[j, 0]:>6.2f}±{sd[j, 0]:.2f} | {mean[j, 1]:.2f}±{sd[j, 1]:.2f}"
            for j in range(len(grid_ks))
        )
        lines.append(f"{name:<27}{cells}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Paired:
    """Paired comparison of two variants over the seeds both ran, at one budget."""

    a: str
    b: str
    budget: int
    n: int
    median_a: float
    median_b: float
    mean_a: float
    mean_b: float
    mean_diff: float  # a − b
    wins: int  # seeds where a > b
    ties: int
    p_value: float  # two-sided Wilcoxon signed-rank (zero differences dropped); nan if all tie


def paired(results: Sequence[VariantResult], a: str, b: str, after: Sequence[int]) -> list[Paired]:
    """a vs b per budget, paired by seed (scipy.stats.wilcoxon on the per-seed differences).
    The pairs share their random initial design (asserted)."""
    from scipy.stats import wilcoxon

    by_a = {r.seed: r for r in results if r.name == a}
    by_b = {r.seed: r for r in results if r.name == b}
    seeds = sorted(set(by_a) & set(by_b))
    for seed in seeds:
        ia, ib = by_a[seed].initial_ids, by_b[seed].initial_ids
        assert not ia or not ib or ia == ib, f"seed {seed}: {a} and {b} start differently"
    out = []
    for j, k in enumerate(after):
        xa = np.array([by_a[s].found[j] for s in seeds])
        xb = np.array([by_b[s].found[j] for s in seeds])
        d = xa - xb
        p = float(wilcoxon(xa, xb).pvalue) if np.any(d != 0) else math.nan
        out.append(
            Paired(
                a,
                b,
                k,
                len(seeds),
                float(np.median(xa)),
                float(np.median(xb)),
                float(xa.mean()),
                float(xb.mean()),
                float(d.mean()),
                int(np.sum(d > 0)),
                int(np.sum(d == 0)),
                p,
            )
        )
    return out


def format_paired(rows: Sequence[Paired]) -> str:
    """A markdown table of paired comparisons."""
    lines = [
        "| a vs b | after | seeds | median a / b | mean a / b | mean a − b | a wins / ties "
        "| Wilcoxon p |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.a} vs {r.b} | {r.budget} | {r.n} | {r.median_a:.3f} / {r.median_b:.3f} "
            f"| {r.mean_a:.3f} / {r.mean_b:.3f} | {r.mean_diff:+.3f} | {r.wins} / {r.ties} "
            f"| {r.p_value:.3g} |"
        )
    return "\n".join(lines)


def format_decision_times(results: Sequence[VariantResult]) -> str:
    """Median and p90 of every strategy decision's `decision_s`, per variant."""
    lines = ["| strategy | decisions | median decision_s | p90 | max | wall per run (s) |"]
    lines.append("|---|---|---|---|---|---|")
    for name in dict.fromkeys(r.name for r in results):
        t = np.array([d for r in results if r.name == name for d in r.decision_s])
        walls = [r.wall_s for r in results if r.name == name]
        if t.size == 0:
            continue
        lines.append(
            f"| {name} | {t.size} | {np.median(t):.3f} | {np.quantile(t, 0.9):.3f} "
            f"| {t.max():.3f} | {np.mean(walls):.0f} |"
        )
    return "\n".join(lines)


def _seeds(text: str) -> list[int]:
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(v) for v in text.split(",")]


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m tests.science.replay_dkl run --seeds 1-5 --results r1.jsonl` runs the
    variants (one JSON line per run); `... table r1.jsonl r2.jsonl` prints the recall table,
    the paired comparisons of dkl_bo with the ARD patch GP and random, and decision times."""
    import argparse
    import json
    import tempfile

    parser = argparse.ArgumentParser(prog="python -m tests.science.replay_dkl")
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run")
    run_p.add_argument("--seeds", default="1-10")
    run_p.add_argument("--budget", type=int, default=100)
    run_p.add_argument("--variants", default="dkl_bo (5×5 patches);gp_bo (5×5 patches, ARD);random")
    run_p.add_argument("--results", required=True)
    table_p = sub.add_parser("table")
    table_p.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    campaign = Path(__file__).resolve().parents[2] / "campaigns" / "pto-beps-dkl.yaml"
    if args.command == "run":
        after = [k for k in (50, 100) if k <= args.budget]
        truth = oracle(campaign)
        with tempfile.TemporaryDirectory() as tmp, open(args.results, "a") as fh:
            for seed in _seeds(args.seeds):
                for name in args.variants.split(";"):
                    r = run_variant(
                        campaign,
                        name,
                        seed,
                        Path(tmp) / f"s{seed}",
                        budget=args.budget,
                        after=after,
                        truth=truth,
                    )
                    fh.write(json.dumps({**asdict(r), "after": after}) + "\n")
                    fh.flush()
        return
    rows = [json.loads(line) for f in args.files for line in Path(f).read_text().splitlines()]
    after = rows[0].pop("after")
    for row in rows[1:]:
        row.pop("after")
    unique: dict[tuple[str, int], VariantResult] = {}
    for row in rows:  # a repeated (variant, seed) must have repeated its result exactly
        r = VariantResult(**row)
        assert unique.setdefault((r.name, r.seed), r).found == r.found, (r.name, r.seed)
    results = list(unique.values())
    names = list(dict.fromkeys(r.name for r in results))
    print(format_tables(results, after, (), n_top=125))
    dkl = names[0]
    print()
    print(format_paired([p for b in names[1:] for p in paired(results, dkl, b, after)]))
    print()
    print(format_decision_times(results))


if __name__ == "__main__":
    main()
