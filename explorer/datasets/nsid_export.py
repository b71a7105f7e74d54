"""A library dataset written as NSID HDF5 for the pycroscopy tools (`from-run --nsid FILE`).

Needs the optional extra [pycroscopy] (sidpy, pyNSID). Every (n, L) array of a channel becomes
one sidpy POINT_CLOUD dataset `Measurement_000/<channel>_<quantity>` with dimension 0 the
locations (POINT_CLOUD; their stage positions in mm are stored next to it as `positions_mm`,
their ids as `location_ids`) and dimension 1 the channel axis (SPECTRAL, its values and units).
Scalars become one (n,) POINT_CLOUD dataset each under `Measurement_000/scalars/`.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from explorer.errors import DatasetError
from hardware.replay import DataArray, LibraryDataset

EXTRA = "pip install 'combi-explorer[pycroscopy]' (sidpy, pyNSID)"


def _sidpy() -> tuple[Any, Any]:
    try:
        import pyNSID  # type: ignore[import-untyped]  # noqa: PLC0415
        import sidpy  # type: ignore[import-untyped]  # noqa: PLC0415
    except ImportError:
        raise DatasetError(f"writing NSID needs the optional readers: {EXTRA}") from None
    return sidpy, pyNSID


def _dataset(sidpy: Any, arr: DataArray, title: str, axis: Any | None) -> Any:
    d = sidpy.Dataset.from_array(np.asarray(arr.values), title=title)
    d.data_type, d.quantity, d.units = "POINT_CLOUD", title, arr.units
    n = arr.values.shape[0]
    d.set_dimension(
        0,
        sidpy.Dimension(
            np.arange(n, dtype=float),
            "location",
            units="1",
            quantity="location",
            dimension_type="POINT_CLOUD",
        ),
    )
    if axis is not None:
        name, values, units = axis
        d.set_dimension(
            1,
            sidpy.Dimension(values, name, units=units, quantity=name, dimension_type="SPECTRAL"),
        )
    return d


def write_nsid(ds: LibraryDataset, path: Path) -> Path:
    """Write the dataset's spectra and scalars as NSID (module docstring); returns the path."""
    import h5py  # noqa: PLC0415

    sidpy, pynsid = _sidpy()
    with h5py.File(path, "w") as h, warnings.catch_warnings():
        # pyNSID announces the future removal of its own dimension check on every write
        warnings.filterwarnings("ignore", "validate_h5_dimension", FutureWarning)
        root = h.create_group("Measurement_000")
        root["positions_mm"], root["location_ids"] = ds.positions_mm, ds.ids
        for cname, ch in ds.channels.items():
            for q, arr in ch.data.items():
                if arr.values.ndim != 2 or len(arr.axes) != 1:
                    continue
                ax = ch.axes[arr.axes[0]]
                group = root.create_group(f"{cname}_{q}")
                data = _dataset(sidpy, arr, f"{cname}.{q}", (arr.axes[0], ax.values, ax.units))
                pynsid.hdf_io.write_nsid_dataset(data, group, main_data_name=q)
        for s, arr in ds.scalars.items():
            group = root.create_group(f"scalars/{s}")
            pynsid.hdf_io.write_nsid_dataset(_dataset(sidpy, arr, s, None), group, main_data_name=s)
    return path
