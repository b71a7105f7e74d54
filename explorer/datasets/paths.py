"""What a dataset path names, in one line: only regular files are read as datasets.

A directory, a FIFO or a device (/dev/zero) would hang a reader or fail deep inside it, and
"file not found" would send the user looking for a file that is there."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hardware.errors import DatasetError

_KINDS = (
    (stat.S_ISDIR, "a directory", "give the dataset file inside it"),
    (stat.S_ISFIFO, "a FIFO (named pipe)", "copy the data to a regular file"),
    (stat.S_ISCHR, "a character device", "copy the data to a regular file"),
    (stat.S_ISBLK, "a block device", "copy the data to a regular file"),
    (stat.S_ISSOCK, "a socket", "copy the data to a regular file"),
)


def check_dataset_path(path: Path) -> os.stat_result:
    """The stat of `path` if it is a regular file (symlinks followed); DatasetError naming what
    it is otherwise."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    for test, what, fix in _KINDS:
        if test(st.st_mode):
            raise DatasetError(f"{path}: is {what}, not a dataset file; {fix}")
    return st
