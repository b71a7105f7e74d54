"""Instruments: protocols, simulated and real back ends. Imports nothing from `explorer`."""
