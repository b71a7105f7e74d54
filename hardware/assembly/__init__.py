"""Instrument assembly: frozen specs in, a ready `Instrument` out.

`specs` holds the values (one spec per instrument kind and one `InstrumentBuild` with what a run
supplies: seed, composition map, fence, journal folder, arming); `samples` is the one table of
simulated sample models; `sim`, `lab` and `replay` each assemble one kind. The campaign YAML
(explorer.config) only maps its fields onto these specs.
"""
