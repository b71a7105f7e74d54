"""Plots: pure functions RunData -> data -> Axes. The only package that imports matplotlib."""
