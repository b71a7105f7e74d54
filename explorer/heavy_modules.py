"""Imports that wait until they are needed, so that start-up (`explorer --help`, `explorer run` of
a model-free campaign, a sweep worker) never pays for torch, botorch or pandas.

This module is the one list of them:

* `LAZY_PACKAGES`: third-party packages that may be imported inside a function (heavy, optional
  or platform-specific); tests/test_import_rules.py refuses any other function-level import;
* `HEAVY_MODULES`: the project's own modules that import one of those packages when they are
  imported, each with the package that makes it heavy. They are reached through `heavy()` only;
  every other project import is at the top of its file.
"""

from __future__ import annotations

import importlib
from types import MappingProxyType
from typing import Any

LAZY_PACKAGES = (
    "torch",
    "botorch",
    "gpytorch",
    "linear_operator",
    "matplotlib",
    "dask",
    "distributed",
    "skopt",
    "sklearn",
    "pymoo",
    "moocore",
    "scipy",
    "pandas",
    "pyarrow",
    "h5py",
    "igor2",
    "serial",
    "nanonis_spm",
    "pyNSID",
    "sidpy",
    "SciFiReaders",
    "starlette",
    "uvicorn",
    "plotly",
    "threadpoolctl",
    "rich",
    "tty",
    "termios",
)

HEAVY_MODULES = MappingProxyType(
    {
        "explorer.models.gp": "torch",
        "explorer.models.dkl": "gpytorch",
        "explorer.strategies.gp_bo": "torch",
        "explorer.strategies.mobo": "torch",
        "explorer.strategies.nehvi": "torch",
        "explorer.strategies.botorch_recipe": "torch",
        "explorer.strategies.novelty": "torch",
        "explorer.strategies.curiosity": "torch",
        "explorer.strategies.dkl_bo": "gpytorch",
        "explorer.bench.curiosity_trial": "torch",
        "explorer.bench.curiosity_benchmark": "torch",
        "explorer.bench.curiosity_figure_data": "torch",
        "explorer.analysis.run_compare": "pandas",
        "explorer.plots.compare_figures": "pandas",
        "explorer.dashboard.server": "starlette",
        "novelty.curiosity.acquisition": "torch",
        "novelty.curiosity.learner": "torch",
    }
)


def heavy(module: str, name: str) -> Any:
    """Attribute `name` of `module` (one of HEAVY_MODULES), importing the module on first use."""
    if module not in HEAVY_MODULES:
        raise ValueError(f"{module} is not in explorer.heavy_modules.HEAVY_MODULES")
    return getattr(importlib.import_module(module), name)
