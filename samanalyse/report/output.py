"""The report folder: written whole or not at all, never over someone else's files.

:func:`report_folder` yields a temporary folder beside the target and, when
the block succeeds, swaps it in as the target in one step. It refuses (with
:class:`~samanalyse.errors.OutputError`, before anything is touched) a target
that

- is a file, the current folder or a folder that holds the current folder;
- is a folder that is neither empty nor a report samanalyse wrote (recognised by
  its ``manifest.json``, every file in it listed there), since the swap
  replaces the folder whole;
- another samanalyse run is writing (a lock file ``.<name>.lock`` beside the
  target, held with :func:`fcntl.flock`, so a lock left by a killed run is
  stale and simply taken over).

The temporary folder is removed on every failure path: exceptions, Ctrl-C,
and SIGTERM/SIGHUP (turned into :class:`Terminated`, a
:class:`KeyboardInterrupt`, while the block runs). Temporary folders left by a
run killed outright (SIGKILL) are removed by the next run into the same target.
Folders get mode ``0777 & ~umask`` (not :func:`tempfile.mkdtemp`'s 0700).
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from samanalyse.errors import OutputError
from samanalyse.report.manifest import MANIFEST, unlisted_files

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["report_folder", "check_target", "Terminated", "umask", "signals_deferred"]

#: How many of a folder's names a refusal quotes.
_SHOW = 5
#: Errors that mean "the disk refused the write", whatever the file.
_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM, SIGHUP) while a report was being written."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


def umask() -> int:
    """The process's umask (read without changing it for longer than two calls)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _names(paths: list[str], total: int) -> str:
    shown = ", ".join(paths[:_SHOW])
    return shown + (f" … ({total} in all)" if total > _SHOW else "")


def _resolve(out: str | Path) -> Path:
    """The absolute target (``.`` and ``..`` folded; a symlink to a folder is followed)."""
    target = Path(os.path.abspath(os.path.expanduser(str(out))))
    if target.is_symlink() and target.resolve().is_dir():
        target = target.resolve()
    return target


def check_target(out: str | Path) -> Path:
    """Check that a report may be written to ``out``; return the absolute target.

    Raises
    ------
    OutputError
        If ``out`` is a file, the current folder (or holds it), the root, or a
        folder that is neither empty nor an earlier samanalyse report, naming
        the folder and a few of the names in it. Nothing is touched.
    """
    target = _resolve(out)
    nothing = "Nothing was written."
    if target.parent == target:
        raise OutputError(f"The report folder {out} is the root of the file system. {nothing}")
    cwd = Path.cwd().resolve()
    if target.exists() and (cwd == target.resolve() or target.resolve() in cwd.parents):
        raise OutputError(
            f"The report folder {out} is the current folder or holds it; a report is written to a folder of its "
            f"own, replaced whole on every run. Give a new folder (for example reports/<round>). {nothing}")
    if target.exists() and not target.is_dir():
        raise OutputError(f"The report folder {out} is a file, not a folder. Give a new folder. {nothing}")
    if not target.is_dir():
        above = next(p for p in target.parents if p.exists())
        if not above.is_dir():
            raise OutputError(f"The report folder {out} cannot be made: {above} is a file, not a folder. {nothing}")
        return target
    try:
        entries = sorted(p.name for p in target.iterdir())
    except OSError as exc:
        raise OutputError(f"The report folder {out} cannot be read: {exc.strerror}. {nothing}") from None
    if not entries:
        return target
    extra = unlisted_files(target) if MANIFEST in entries else None
    if extra is None:
        why = f"its {MANIFEST} is not one samanalyse wrote" if MANIFEST in entries else f"it has no {MANIFEST}"
        raise OutputError(
            f"The folder {out} is not empty and is not a samanalyse report ({why}): it holds "
            f"{_names(entries, len(entries))}. A report replaces its folder whole, so samanalyse writes only to a "
            f"new or empty folder or over an earlier report. Choose another folder. {nothing}")
    if extra:
        raise OutputError(
            f"The folder {out} is a samanalyse report but also holds files samanalyse did not write: "
            f"{_names(extra, len(extra))}. Replacing the report would delete them; move them away or choose "
            f"another folder. {nothing}")
    return target


@contextmanager
def _lock(target: Path, out: str | Path) -> Iterator[None]:
    """Hold ``.<name>.lock`` beside ``target`` for the block; refuse if another run holds it."""
    path = target.parent / f".{target.name}.lock"
    busy = OutputError(f"Another samanalyse run is writing the report folder {out} (lock file {path}); "
                       "wait for it to finish and run again. Nothing was written.")
    while True:
        if fcntl is None:  # pragma: no cover - no flock: exclusive create, stale if the holder is gone
            fd = _lock_exclusive(path, busy)
            break
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise busy from None
        try:  # the previous holder may have removed the file between our open and flock
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        try:
            os.unlink(path)  # still holding the lock, so no other run has it
        except OSError:
            pass
        os.close(fd)


def _lock_exclusive(path: Path, busy: OutputError) -> int:  # pragma: no cover - used without fcntl only
    for _ in range(2):
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            try:
                pid = int(path.read_text(encoding="ascii").strip() or 0)
                os.kill(pid, 0)
            except (ValueError, ProcessLookupError, OSError):
                path.unlink(missing_ok=True)  # stale: its process is gone
                continue
            raise busy from None
    raise busy


@contextmanager
def _stop_signals_raise() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP raise :class:`Terminated` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise Terminated(signum)

    wanted = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    old = {s: signal.signal(s, handler) for s in wanted}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Defer SIGINT/SIGTERM/SIGHUP until the block is done (then they stop the report as usual).

    For the few system calls of the swap, and for imports: a library that imports with a bare ``except:``
    would swallow the :class:`Terminated` (or ``KeyboardInterrupt``) raised in it, and the report would go
    on as if never asked to stop.
    """
    block = getattr(signal, "pthread_sigmask", None)
    sigs = {s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s}
    if block is None:  # pragma: no cover
        yield
        return
    old = block(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        block(signal.SIG_SETMASK, old)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False if that failed or is not there."""
    try:
        libc = ctypes.CDLL(None)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    # any failure (not supported here, or a real error) leaves both paths as they were: the caller falls back
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _swap(tmp: Path, target: Path) -> None:
    """Put ``tmp`` at ``target``; an existing target is replaced in one step where the OS allows."""
    with signals_deferred():
        if not target.exists():
            os.rename(tmp, target)
            return
        if _exchange(tmp, target):  # tmp now holds the old report
            shutil.rmtree(tmp, ignore_errors=True)
            return
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        os.rename(target, old)
        try:
            os.rename(tmp, target)
        except BaseException:
            os.rename(old, target)
            raise
    shutil.rmtree(old, ignore_errors=True)


def _remove_leftovers(target: Path) -> None:
    """Remove temporary folders of earlier runs into ``target`` that were killed outright (we hold the lock)."""
    for p in target.parent.glob(f".{target.name}.tmp-*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in target.parent.glob(f".{target.name}.old-*"):
        shutil.rmtree(p, ignore_errors=True)


def _write_error(exc: OSError, tmp: Path, out: str | Path) -> OutputError | None:
    """An :class:`OutputError` for an OSError raised while writing into ``tmp``; None if it is not one."""
    name = exc.filename
    inside = isinstance(name, (str, os.PathLike)) and Path(os.path.abspath(name)).is_relative_to(tmp)
    if not inside and exc.errno not in _DISK_ERRNOS:
        return None
    where = f" ({Path(os.path.abspath(name)).relative_to(tmp).as_posix()})" if inside else ""
    reason = exc.strerror or os.strerror(exc.errno or 0) or str(exc)
    return OutputError(f"The report could not be written to {out}{where}: {reason}. "
                       f"Nothing was written to {out}; the temporary folder was removed.")


@contextmanager
def report_folder(out: str | Path) -> Iterator[Path]:
    """Yield an empty temporary folder that becomes ``out`` if the block succeeds.

    Parameters
    ----------
    out : str or Path
        The report folder: new, empty, or an earlier samanalyse report
        (see :func:`check_target`).

    Raises
    ------
    OutputError
        If ``out`` may not be written (nothing is touched), another run is
        writing it, or the disk refused a write (the temporary folder is removed).
    """
    target = check_target(out)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"The folder for the report {out} cannot be created: {exc.filename}: {exc.strerror}. "
                          "Nothing was written.") from None
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise OutputError(f"The report {out} cannot be written: no permission to write in {target.parent}. "
                          "Nothing was written.")
    with _lock(target, out), _stop_signals_raise():
        target = check_target(out)  # again, now that no other run can change it
        _remove_leftovers(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        try:
            os.chmod(tmp, 0o777 & ~umask())
            yield tmp
            _swap(tmp, target)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            err = _write_error(exc, tmp, out)
            if err is None:
                raise
            raise err from exc
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
