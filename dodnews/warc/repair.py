"""WARC files a killed crawl left open: cut the torn last record so that every file reads whole.

A crawl writes one gzip member per WARC record and keeps `NAME.warc.gz.open` beside the file it
is writing (its `owner_record`: host, pid, start time), removed when the file is closed. A crawl
killed with kill -9 leaves the marker, and maybe a file whose last member stops halfway: `warcio
index` and replay tools then read a record without a type there (`warcio check` does not notice).
The next writer on the same folder finds the marker, and if its process is gone, truncates the
file after its last complete member. The torn bytes are kept in `NAME.warc.gz.torn` (no capture
points at them: the archive only commits captures whose records were written and synced, see
RotatingWarcWriter.sync), and the marker goes.
"""

from __future__ import annotations

import json
import logging
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from dodnews.procs import owner_alive, owner_record

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
TORN_SUFFIX = ".torn"
_CHUNK = 1 << 20


def mark_open(path: Path) -> None:
    """Note that this process is writing `path`."""

    path.with_name(path.name + OPEN_SUFFIX).write_text(json.dumps(owner_record()))


def mark_closed(path: Path) -> None:
    path.with_name(path.name + OPEN_SUFFIX).unlink(missing_ok=True)


def complete_length(path: Path) -> int:
    """Bytes of `path` up to the end of its last complete gzip member."""
    good = 0
    offset = 0
    decoder = zlib.decompressobj(wbits=31)
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            data = chunk
            while data:
                try:
                    decoder.decompress(data)
                except zlib.error:
                    return good  # damaged bytes: keep what came before them
                if not decoder.eof:
                    offset += len(data)
                    break
                rest = decoder.unused_data
                offset += len(data) - len(rest)
                good = offset  # a member ends here
                decoder = zlib.decompressobj(wbits=31)
                data = rest
    return good


def writer_alive(marker: Path) -> bool:
    """True unless the marker names a process of this host that is gone (see owner_alive)."""

    try:
        owner = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(owner, dict) and owner_alive(owner)


def _left_open(directory: Path) -> Iterator[tuple[Path, Path]]:
    """(marker, WARC file) for each file of `directory` a writer that is gone left open."""
    for marker in sorted(directory.glob("*.warc.gz" + OPEN_SUFFIX)):
        if not writer_alive(marker):
            yield marker, marker.with_name(marker.name[: -len(OPEN_SUFFIX)])


def torn_files(directory: Path) -> list[str]:
    """The files in `directory` that a killed writer left ending in a torn record (what the next
    writer will cut; `dodnews archive verify` reports them)."""
    return [
        path.name
        for _, path in _left_open(directory)
        if path.is_file() and complete_length(path) < path.stat().st_size
    ]


def repair_torn_files(directory: Path) -> list[str]:
    """Truncate the files killed writers left open in `directory`; returns their names."""
    repaired = []
    for marker, path in _left_open(directory):
        if path.exists():
            size = path.stat().st_size
            good = complete_length(path)
            if good < size:
                with open(path, "rb") as fh:
                    fh.seek(good)
                    torn = fh.read()
                path.with_name(path.name + TORN_SUFFIX).write_bytes(torn)
                with open(path, "r+b") as fh:
                    fh.truncate(good)
                    fh.flush()
                    os.fsync(fh.fileno())
                logger.warning(
                    "WARC file %s was left open by a killed crawl: cut its torn last %d bytes "
                    "(kept in %s%s)",
                    path.name,
                    size - good,
                    path.name,
                    TORN_SUFFIX,
                )
                repaired.append(path.name)
        marker.unlink(missing_ok=True)
    return repaired
