"""Coarse XY stage drivers: Zaber ASCII, Prior ProScan (serial) and the simulated stage."""
