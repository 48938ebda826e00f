"""Temp files of the atomic report writes: their names, and removing those a killed writer left.

`write_atomic` writes `.NAME.XXXXXXXX.tmp` (tempfile.mkstemp: 8 characters from a-z, 0-9 and _)
beside NAME in the report folder, then renames it over NAME. A writer killed in between leaves the
temp file behind. Writers hold a shared flock on the report folder while they write; a writer
that can lock the folder exclusively at its start knows that no other writer is halfway through a
file, so every temp file of that pattern in the folder is stale, and it removes them. When another
writer holds the folder, nothing is removed (the next lone writer does it); neither is anything
when the folder cannot be locked (file systems without flock).

A writer that reads the archive and writes what it read (`exclusive_folder`) holds the folder
exclusively instead, waiting for other writers: two of them at once could each write pages from
their own reading, the older reading last.

Only the folder itself is looked at (the writer makes no subfolders), and only regular files
whose whole name matches the pattern, for the kinds of file a report is (.json, .md, .html, .xml).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: no folder lock, so no cleanup
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

TEMP_SUFFIX = ".tmp"
WRITING_FLAG = ".dodnews-writing"  # present while an exclusive writer is at work
_STALE_TEMP = re.compile(r"\.[^/]+\.(?:json|md|html|xml)\.[a-z0-9_]{8}\.tmp")


def temp_prefix(name: str) -> str:
    """The mkstemp prefix of a temp file for report file `name`."""
    return f".{name}."


def is_report_temp(name: str) -> bool:
    """Whether a file name is that of a report writer's temp file."""
    return _STALE_TEMP.fullmatch(name) is not None


def remove_report_temps(directory: Path) -> list[Path]:
    """Delete the report temp files directly in `directory`; returns them. Never raises."""
    removed: list[Path] = []
    try:
        # Read as it goes: a large archive's folder holds hundreds of thousands of reports.
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    if is_report_temp(entry.name) and entry.is_file(follow_symlinks=False):
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
                except OSError:
                    continue  # gone already, or not ours to delete: leave it
    except OSError:
        pass
    return sorted(removed)


def _lock(fd: int, mode: int) -> bool | None:
    """flock: True when taken, False when another holder has it (non-blocking modes), None when
    the file system cannot lock."""
    try:
        fcntl.flock(fd, mode)
    except BlockingIOError:
        return False
    except OSError:
        return None
    return True


@contextmanager
def writing_folder(directory: Path) -> Iterator[list[Path]]:
    """Hold `directory` for writing reports; yields the stale temp files removed on entry."""
    if fcntl is None:
        yield []
        return
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield []
        return
    try:
        removed: list[Path] = []
        alone = _lock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if alone:
            removed = remove_report_temps(directory)
        if alone is not None:
            # Shared from here on: other writers may write, but none may clean up under us.
            _lock(fd, fcntl.LOCK_SH)
        yield removed
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def exclusive_folder(directory: Path, *, scan: bool = True) -> Iterator[list[Path]]:
    """Hold `directory` alone (waiting for other writers to finish), for a writer that reads the
    archive and then writes what it read; yields the stale temp files removed on entry.

    While it holds the folder, the file WRITING_FLAG says a writer is at work; one that finds the
    flag on entry knows the last writer died halfway, and looks for its temp files even when
    `scan` is False (an update: listing a folder of a large archive costs more than the update).
    """
    if fcntl is None:
        yield []
        return
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield []
        return
    try:
        alone = _lock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if alone is False:
            logger.info("Waiting for another report writer to finish with %s", directory)
            alone = _lock(fd, fcntl.LOCK_EX)
        flag = directory / WRITING_FLAG
        removed: list[Path] = []
        if alone:
            if scan or flag.exists():
                removed = remove_report_temps(directory)
            try:
                flag.touch()
            except OSError:
                flag = None  # type: ignore[assignment]
        yield removed
        if alone and flag is not None:
            flag.unlink(missing_ok=True)  # finished: nothing of ours half-written
    finally:
        os.close(fd)  # releases the lock
