"""Output helpers: whole-or-nothing writes and deterministic table files.

The only writers of the package. Every file written through them gets the
usual permissions of a new file, ``0666 & ~umask`` (folders ``0777 & ~umask``),
not the ``0600``/``0700`` that temporary files are created with, and replaces
its target only when the write succeeded.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pandas as pd

__all__ = ["atomic_dir", "atomic_file", "atomic_path", "default_mode", "sha256_file", "write_table_csv"]


def default_mode(folder: bool = False) -> int:
    """The permissions a new file (or folder) gets under the current umask: ``0666 & ~umask``."""
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if folder else 0o666) & ~umask


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; it replaces ``target`` only if the block succeeds.

    For writers that need a file name (``pyreadstat.write_sav``, ``openpyxl``'s
    ``save``): write to the yielded path. The temporary file keeps ``target``'s
    suffix (some writers look at it), gets :func:`default_mode` and is renamed
    over ``target`` (same folder, so the swap is atomic). On any exception the
    target is left untouched and the temporary file removed.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, default_mode())  # mkstemp creates 0600; writers may have replaced the file
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_file(target: str | Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``target`` (``open(..., mode, **kwargs)``); rename it over ``target`` on success."""
    with atomic_path(target) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh


@contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``target`` only if the block succeeds.

    The temporary folder is created beside ``target`` (same file system), so the
    final swap is a rename; it gets ``0777 & ~umask``. On any exception the
    target is left untouched and the temporary folder removed.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        os.chmod(tmp, default_mode(folder=True))  # mkdtemp creates 0700
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        target.rename(old)
    tmp.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_table_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a table as UTF-8 CSV with ``\\n`` line ends and no index, atomically.

    Floats are written with ``repr`` precision, so the same frame always gives
    the same bytes.
    """
    with atomic_file(path, "w", encoding="utf-8", newline="") as fh:
        frame.to_csv(fh, index=False, lineterminator="\n")


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
