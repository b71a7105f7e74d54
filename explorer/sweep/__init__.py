"""Sweeps: grids of independent campaigns (base x overrides x datasets x seeds) on Dask.

`spec` validates the sweep YAML and expands it into tasks, `tasks` runs one task through the
normal session + runner (reusing or resuming what a previous run left), `summary` turns a run
directory into a results row and best-so-far curves, `execute` runs the tasks on a Dask cluster
(local by default) and writes Parquet tables.
"""
