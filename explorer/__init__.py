"""combi-explorer: closed-loop exploration of combinatorial libraries with a PFM microscope."""

__version__ = "0.1.0"
