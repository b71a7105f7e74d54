"""`explorer dataset inspect | convert | simulate | formats` and `explorer replay`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from explorer.cli.app import app, out, run_session
from explorer.cli.help_format import ExplorerApp
from explorer.config import load_config
from explorer.datasets import CONVERTERS, detect_format, load_dataset
from explorer.datasets.common import OptionValue
from explorer.datasets.from_run import from_run
from explorer.datasets.nsid_export import write_nsid
from explorer.datasets.simulate import simulate_dataset
from explorer.datasets.summary import describe
from explorer.engine.replay_config import replay_config
from explorer.engine.session import apply_overrides, start_new
from explorer.errors import DatasetError
from explorer.report.live import live_report_for
from hardware.replay import write_dataset

if TYPE_CHECKING:
    from hardware.replay import LibraryDataset

dataset_app = ExplorerApp(
    no_args_is_help=True,
    help="Library datasets for offline replay: inspect, convert external formats, simulate.",
)
app.add_typer(dataset_app, name="dataset")

FormatOpt = Annotated[
    str, typer.Option("--format", help="input format (auto-detected; see `dataset formats`)")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="converter option KEY=VALUE (repeatable)"),
]


def parse_sets(items: list[str] | None) -> dict[str, OptionValue]:
    """`["stride=2", "license=MIT"]` -> {"stride": "2", "license": "MIT"} (typed later)."""
    options: dict[str, OptionValue] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise DatasetError(f"--set {item!r} must look like KEY=VALUE")
        options[key.strip()] = value.strip()
    return options


def choices(ds: LibraryDataset) -> list[str]:
    """What the converter decided (points kept, axis, image, normalisation, rows, columns)."""
    shown = {k: v for k, v in ds.provenance.items() if not str(k).endswith("sha256")}
    return [f"  {k}: {v}" for k, v in shown.items()]


@dataset_app.command("inspect")
def inspect(
    path: Annotated[Path, typer.Argument(help="library dataset or external data file")],
    fmt: FormatOpt = "auto",
    sets: SetOpt = None,
) -> None:
    """Print a summary: locations, features, image, channels, scalars, ground truth, provenance."""
    name = detect_format(path) if fmt == "auto" else fmt
    ds = load_dataset(path, name, parse_sets(sets))
    shown = name if name == "native" else f"{name}, converted in memory"
    for line in describe(ds, where=str(path), fmt=shown):
        out.print(line, markup=False)


@dataset_app.command("convert")
def convert(
    source: Annotated[Path, typer.Argument(help="external data file")],
    target: Annotated[Path, typer.Argument(help="output library dataset (.h5 or .npz)")],
    fmt: FormatOpt = "auto",
    sets: SetOpt = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite TARGET")] = False,
) -> None:
    """Convert an external file (see `dataset formats`) into a library dataset."""
    if target.exists() and not force:
        raise DatasetError(f"{target} exists; choose another name or pass --force")
    ds = load_dataset(source, fmt, parse_sets(sets))
    target.parent.mkdir(parents=True, exist_ok=True)
    write_dataset(ds, target)
    out.print(f"wrote {target}: {ds.name}, {len(ds)} locations, license: {ds.license}")
    for line in choices(ds):
        out.print(line, markup=False)


@dataset_app.command("from-run")
def from_run_cmd(
    run_dir: Annotated[Path, typer.Argument(help="run directory (runs/<name>/<stamp>)")],
    target: Annotated[Path, typer.Argument(help="output library dataset (.h5 or .npz)")],
    license_: Annotated[str, typer.Option("--license", help="license of the measurements")] = "",
    nsid: Annotated[
        Path | None, typer.Option("--nsid", help="also write NSID HDF5 here (needs [pycroscopy])")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite TARGET")] = False,
) -> None:
    """Write the measured locations of a run (raw arrays, scalars, objectives) as a library
    dataset, to replay the session later."""
    for path in (target, nsid):
        if path is not None and path.exists() and not force:
            raise DatasetError(f"{path} exists; choose another name or pass --force")
    ds = from_run(run_dir, license=license_)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_dataset(ds, target)
    if nsid is not None:
        write_nsid(ds, nsid)
        out.print(f"wrote {nsid}: NSID for the pycroscopy tools")
    out.print(f"wrote {target}: {ds.name}, {len(ds)} locations, license: {ds.license}")
    for line in choices(ds):
        out.print(line, markup=False)


@dataset_app.command("simulate")
def simulate(
    campaign: Annotated[Path, typer.Argument(help="campaign YAML with a simulated instrument")],
    target: Annotated[Path, typer.Argument(help="output library dataset (.h5 or .npz)")],
    seed: Annotated[int | None, typer.Option(help="override the campaign seed")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite TARGET")] = False,
) -> None:
    """Measure every library location with the simulator and write a library dataset."""
    if target.exists() and not force:
        raise DatasetError(f"{target} exists; choose another name or pass --force")
    cfg = apply_overrides(load_config(campaign), seed=seed)
    ds = simulate_dataset(cfg)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_dataset(ds, target)
    restarts = ds.provenance.get("instrument_restarts", 0)
    out.print(
        f"wrote {target}: {len(ds)} locations, ground truth {sorted(ds.ground_truth)}, "
        f"{restarts} instrument restart(s) (new tip or re-approach; see provenance)"
    )


@dataset_app.command("formats")
def formats() -> None:
    """List the external formats `dataset convert` understands."""
    out.print("native: a combi-explorer library dataset (.h5 / .npz)")
    for name, conv in CONVERTERS.items():
        out.print(f"{name}: {conv.summary}")


@app.command()
def replay(
    campaign: Annotated[Path, typer.Argument(help="campaign YAML file")],
    dataset: Annotated[Path, typer.Option("--dataset", help="dataset to replay")],
    fmt: Annotated[str | None, typer.Option("--format", help="dataset format")] = None,
    sets: SetOpt = None,
    miss: Annotated[str | None, typer.Option(help="error or nearest")] = None,
    noise: Annotated[float | None, typer.Option(help="relative fresh noise")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="parent directory")] = None,
    max_points: Annotated[int | None, typer.Option(help="override stop.max_points")] = None,
    seed: Annotated[int | None, typer.Option(help="override the campaign seed")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """`run` the campaign with its instrument replaced by a replay of the --dataset file."""
    cfg = replay_config(
        load_config(campaign),
        dataset,
        fmt=fmt,
        options=parse_sets(sets) if sets else None,
        miss=miss,
        noise_relative=noise,
    )
    cfg = apply_overrides(cfg, max_points=max_points, seed=seed, out=out_dir)
    session = start_new(cfg, subscribers=(live_report_for,))
    out.print(f"run directory: {session.run_dir}")
    run_session(session, quiet=quiet)
