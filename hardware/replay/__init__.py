"""Offline replay: the library-dataset format (value types, HDF5/.npz reader and writer) and
the ReplayInstrument that serves recorded channels through the ordinary Instrument protocol.

Lives in `hardware` (which never imports `explorer`) so the instrument can read its own data;
converters from external formats live in `explorer.datasets` and hand a `LibraryDataset` in.
"""

from hardware.replay.dataset import Axis, Channel, DataArray, DatasetImage, LibraryDataset
from hardware.replay.instrument import ReplayInstrument, ReplayTiming
from hardware.replay.io import (
    FORMAT_NAME,
    FORMAT_VERSION,
    is_library_dataset,
    read_dataset,
    write_dataset,
)

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Axis",
    "Channel",
    "DataArray",
    "DatasetImage",
    "LibraryDataset",
    "ReplayInstrument",
    "ReplayTiming",
    "is_library_dataset",
    "read_dataset",
    "write_dataset",
]
