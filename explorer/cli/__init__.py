"""Command line: `explorer run | resume | validate | plot | ...`.

Errors never reach the user as tracebacks: every ExplorerError becomes one line per problem on
stderr and a non-zero exit code (2 for bad input, 3 for hardware faults, 130 for an abort);
anything else is a bug and is reported as one `internal error` line with exit code 1.
Set EXPLORER_DEBUG=1 to see tracebacks. Each command group lives in its own module and
registers itself on `app`; importing them here is the only registry.
"""

from __future__ import annotations

import os
import sys

import click
import typer

# command modules register themselves on `app` when imported
from explorer.cli import bench_cmd as _bench_cmd  # noqa: F401
from explorer.cli import bench_curiosity_cmd as _bench_curiosity_cmd  # noqa: F401
from explorer.cli import benchmark_cmd as _benchmark_cmd  # noqa: F401
from explorer.cli import check as _check  # noqa: F401
from explorer.cli import check_nanonis as _check_nanonis  # noqa: F401
from explorer.cli import compare_cmd as _compare_cmd  # noqa: F401
from explorer.cli import dataset_cmd as _dataset_cmd  # noqa: F401
from explorer.cli import demo as _demo  # noqa: F401
from explorer.cli import emulate as _emulate  # noqa: F401
from explorer.cli import pareto_cmd as _pareto_cmd  # noqa: F401
from explorer.cli import plot as _plot  # noqa: F401
from explorer.cli import recommend as _recommend  # noqa: F401
from explorer.cli import run as _run  # noqa: F401
from explorer.cli import serve as _serve  # noqa: F401
from explorer.cli import sweep_cmd as _sweep_cmd  # noqa: F401
from explorer.cli import vote as _vote  # noqa: F401
from explorer.cli.app import app, err
from explorer.errors import ExplorerError


def main(argv: list[str] | None = None) -> int:
    """Console entry point: maps every error to one line and an exit code."""
    debug = os.environ.get("EXPLORER_DEBUG") == "1"
    try:
        # with standalone_mode=False click returns (not raises) the code of typer.Exit(n)
        code = app(args=argv, standalone_mode=False, prog_name="explorer")
    except typer.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except (click.exceptions.Abort, typer.Abort):
        err.print("aborted")
        return 130
    except (click.ClickException, typer.TyperException) as exc:
        # typer >= 0.20 vendors click (typer._click): its usage errors are TyperExceptions
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err.print(f"error: {exc}", markup=False)
        code = getattr(exc, "exit_code", 2)
        return code if isinstance(code, int) else 2
    except ExplorerError as exc:
        if debug:
            raise
        problems = getattr(exc, "problems", None) or (str(exc),)
        for line in problems:
            err.print(f"error: {line}", markup=False, soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception as exc:  # a bug, not bad input: still one line, never a traceback
        if debug:
            raise
        err.print(
            f"error: internal error ({type(exc).__name__}: {exc}); this is a bug, please "
            "report it with the command and its input files (EXPLORER_DEBUG=1 shows the "
            "traceback)",
            markup=False,
            soft_wrap=True,
        )
        return 1
    return code if isinstance(code, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def entry() -> None:
    """`explorer` console script."""
    sys.exit(main())
