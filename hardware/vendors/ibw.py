"""Minimal Igor Binary Wave (version 5) writer, for fakes and exports.

igor2 (the reader the Asylum bridge uses) only reads; the fake Igor in the tests and anyone who
wants to hand data back to Igor need to write the format. Layout (Igor Technical Note 003):
a 2-byte version, the 62-byte BinHeader5, the 320-byte WaveHeader5, the data in column-major
order, then the optional note and dimension labels (32 bytes per label, the dimension's own
name first). Little-endian, float64 data, checksum left 0 (igor2 does not verify it).
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

NT_FP64 = 4
MAXDIMS = 4
LABEL_BYTES = 32
WAVE_HEADER_BYTES = 320


def _labels(dim_name: str, names: list[str]) -> bytes:
    out = b""
    for label in [dim_name, *names]:
        raw = label.encode("ascii")[: LABEL_BYTES - 1]
        out += raw + b"\0" * (LABEL_BYTES - len(raw))
    return out


def _wave_header(name: str, shape: tuple[int, ...], n: int) -> bytes:
    dims = list(shape) + [0] * (MAXDIMS - len(shape))
    bname = name.encode("ascii")[:31]
    head = struct.pack("<IIIihh6sh32siI", 0, 0, 0, n, NT_FP64, 0, b"", 1, bname, 0, 0)
    head += (
        struct.pack("<4i", *dims) + struct.pack("<4d", 1, 1, 1, 1) + struct.pack("<4d", 0, 0, 0, 0)
    )
    head += b"\0" * 4 + b"\0" * 16 + struct.pack("<hhdd", 0, 0, 0.0, 0.0)
    head += b"\0" * (4 + 16 + 16 + 4 + 64)
    head += struct.pack("<hhhbbIihhII", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert len(head) == WAVE_HEADER_BYTES, len(head)
    return head


def write_ibw(
    path: Path,
    data: NDArray[np.float64],
    *,
    name: str = "wave0",
    note: str = "",
    column_labels: list[str] | None = None,
) -> None:
    """Write a 1-D or 2-D float64 wave (rows = points, columns = channels) to `path`."""
    arr = np.asarray(data, dtype="<f8")
    if arr.ndim not in (1, 2):
        raise ValueError(f"only 1-D and 2-D waves are supported, got shape {arr.shape}")
    body = arr.tobytes(order="F")
    note_bytes = note.replace("\n", "\r").encode("ascii", "replace")
    labels = b""
    if column_labels is not None:
        if arr.ndim != 2 or len(column_labels) != arr.shape[1]:
            raise ValueError("column_labels needs one name per column of a 2-D wave")
        labels = _labels("", column_labels)
    label_sizes = [0, len(labels), 0, 0]
    wfm_size = WAVE_HEADER_BYTES + len(body)
    bin_header = struct.pack(
        "<hiiii4i4iiii", 0, wfm_size, 0, len(note_bytes), 0, 0, 0, 0, 0, *label_sizes, 0, 0, 0
    )
    blob = struct.pack("<h", 5) + bin_header + _wave_header(name, arr.shape, arr.size)
    blob += body + note_bytes + labels
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(blob)
    tmp.replace(path)
