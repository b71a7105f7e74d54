"""Latency benchmarks of decision rules against reference implementations (BoTorch, skopt).

Each benchmark is a function returning rows of timings measured in one process on identical
inputs, so ratios are meaningful on any machine; `explorer bench` (when it exists) calls them.
"""
