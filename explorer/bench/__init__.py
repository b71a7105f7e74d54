"""Benchmarks: decision latency and sample efficiency against BoTorch and scikit-optimize.

`latency` times one suggestion (fit + acquisition over every remaining candidate) of this
project's strategies and of the reference recipes on identical data in one process;
`mobo_latency` does the same for the 2-objective EHVI decision against BoTorch's qLogNEHVI;
`efficiency` runs whole campaigns over seeds (through explorer.sweep) and summarises
best-so-far curves. Ratios measured side by side are meaningful on any machine.
"""
