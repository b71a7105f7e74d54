"""Shared CLI pieces: the typer app, consoles, signal handling and the progress view."""

from __future__ import annotations

from importlib import metadata
from typing import Annotated, Any

import typer
from rich.console import Console

from explorer.analysis.recommendation import logged_recommendation, summary_lines
from explorer.analysis.rundata import RunData
from explorer.cli.help_format import ExplorerApp, ExplorerGroup
from explorer.cli.progress import ProgressView
from explorer.cli.signals import install_stop_handlers
from explorer.engine.events import read_events
from explorer.engine.preparation import needs_preparation
from explorer.engine.rundir import EVENTS_FILE
from explorer.engine.session import Session
from explorer.engine.threads import ThreadChoice, apply_threads, choose_threads


class _ExplorerCli(ExplorerGroup):
    """The top-level `explorer` group: commands in the order a campaign uses them."""

    order = (
        "demo",
        "validate",
        "run",
        "resume",
        "recover",
        "replay",
        "vote",
        "serve",
        "plot",
        "report",
        "recommend",
        "pareto",
        "compare",
        "dataset",
        "sweep",
        "benchmark",
        "bench",
        "emulate",
        "check-igor",
        "check-nanonis",
        "check",
    )
    panels = {  # noqa: RUF012 (read-only class-level table)
        **dict.fromkeys(
            ("demo", "validate", "run", "resume", "recover", "replay", "vote"),
            "Run a campaign",
        ),
        **dict.fromkeys(
            ("serve", "plot", "report", "recommend", "pareto", "compare"), "Look at runs"
        ),
        **dict.fromkeys(("dataset", "sweep", "benchmark", "bench"), "Datasets and benchmarks"),
        **dict.fromkeys(("emulate", "check-igor", "check-nanonis", "check"), "Lab hardware"),
    }
    other_panel = "More"


app = ExplorerApp(
    cls=_ExplorerCli,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Closed-loop exploration of combinatorial thin-film libraries with a PFM microscope.\n\n"
    "Typical use: `explorer validate campaigns/smbfo-gp-bo.yaml`, then `explorer run ...`, then "
    "`explorer plot runs/latest`.",
)


def package_version() -> str:
    """The installed combi-explorer version (from the package metadata)."""
    try:
        return metadata.version("combi-explorer")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"explorer (combi-explorer) {package_version()}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Closed-loop exploration of combinatorial thin-film libraries with a PFM microscope."""


err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)

EXIT_FOR_STATUS = {"success": 0, "abort": 130, "fault": 3, "fail": 1}


def _install_signal_handlers(abort: Any) -> None:
    """Every stop signal of this platform makes the instrument safe and stops the run after the
    current step (explorer.cli.signals)."""
    install_stop_handlers(abort, lambda text: err.print(f"[yellow]{text}[/yellow]"))


def _progress_view(session: Any) -> Any:
    """The progress line, seeded from everything already in the log (a resumed run)."""

    cfg = session.config
    campaign = session.runner.campaign
    preparing = campaign.strategy.name if needs_preparation(campaign) else None
    view = ProgressView(
        cfg.stop.max_points,
        [(o.name, o.direction) for o in cfg.objectives],
        [c.build() for c in cfg.constraints],
        err,
        preparing,
    )
    view.seed(read_events(session.run_dir / EVENTS_FILE).events)
    return view


def _print_recommendation(run_dir: Any) -> None:
    """The final summary: the recommendation, the observed best and the infeasible count."""

    data = RunData.load(run_dir)
    rec = logged_recommendation(data)
    if rec is None:  # a model-free strategy: the run never loaded a model
        out.print(f"recommendation: explorer recommend {run_dir} (fits a GP to the log)")
        return
    for line in summary_lines(data, rec, max_points=8):
        out.print(line)


def run_session(session: Any, *, quiet: bool, already: int = 0) -> None:
    assert isinstance(session, Session)
    view = None if quiet else _progress_view(session)
    if view is not None:
        session.log.subscribe(view)
        view.progress.start()
    _install_signal_handlers(session.runner.request_abort)
    try:
        outcome = session.runner.run()
    finally:
        if view is not None:
            view.progress.stop()
        session.close()
    out.print(
        f"{outcome.status}: {outcome.reason} — {outcome.n_measured} measurements, "
        f"{outcome.instrument_time_s / 3600:.2f} h instrument time\n"
        f"run directory: {session.run_dir}"
    )
    _print_recommendation(session.run_dir)
    if outcome.status != "success":
        out.print(f"continue with: explorer resume {session.run_dir}")
    raise typer.Exit(EXIT_FOR_STATUS[outcome.status])


THREADS_HELP = (
    "threads for torch and BLAS (default: the cores available, less those busy now, at most 4)"
)
ThreadsOpt = Annotated[int | None, typer.Option("--threads", min=1, help=THREADS_HELP)]


def use_threads(requested: int | None) -> ThreadChoice:
    """Choose this process's torch / BLAS thread count (explorer.engine.threads), apply it,
    and return the choice to log."""
    return apply_threads(choose_threads(requested))
