"""Benchmark leaderboard figures: per task, each strategy's median score vs budget with its
inter-quartile range (from the leaderboard JSON entry of the task)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from explorer.plots.style import RC

# what each score measures, on the y axis; every score is higher-is-better
SCORE_LABELS = {
    "optimum": "1 − normalised gap to the optimum",
    "topk_recall": "top-k recall",
    "classes_found": "classes found",
    "hv_fraction": "hypervolume fraction",
    "curiosity_loss": "1 − L / L0 (curiosity loss)",
}


def save_task_plot(name: str, entry: dict[str, Any], out_dir: Path) -> Path | None:
    """`benchmark_<task>.png` under out_dir; None for a skipped task."""
    if "skipped" in entry:
        return None
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt  # noqa: PLC0415

    budgets = sorted(entry["budgets"], key=int)
    strategies = list(entry["budgets"][budgets[0]]["strategies"])
    path = out_dir / f"benchmark_{name}.png"
    with plt.rc_context(RC):  # type: ignore[arg-type]
        fig, ax = plt.subplots(figsize=(5.2, 3.6))
        for k, s in enumerate(strategies):
            rows = [entry["budgets"][b]["strategies"][s] for b in budgets]
            x = [int(b) + 0.15 * (k - len(strategies) / 2) for b in budgets]
            med = [r["median"] for r in rows]
            err = [[r["median"] - r["q25"] for r in rows], [r["q75"] - r["median"] for r in rows]]
            ax.errorbar(x, med, yerr=err, marker="o", capsize=3, label=s)
        ax.set_xlabel("measurements")
        label = SCORE_LABELS.get(entry["score"], entry["score"])
        ax.set_ylabel(f"{label}\n(median, IQR; higher is better)")
        ax.set_title(name)
        if strategies:  # a task whose every run failed has none
            ax.legend(fontsize="small")
        fig.savefig(path)
        plt.close(fig)
    return path
