"""WARC files a killed crawl left open: cut the torn last record so that every file reads whole.

A crawl writes one gzip member per WARC record and keeps `NAME.warc.gz.open` beside the file it
is writing (`{"host": ..., "pid": ...}`), removed when the file is closed. A crawl killed with
kill -9 leaves the marker, and usually a file whose last member stops halfway: `warcio check`
and replay tools fail on it. The next writer on the same folder finds the marker, and if its
process is gone, truncates the file after its last complete member. The torn bytes are kept in
`NAME.warc.gz.torn` (no capture points at them: the archive only commits captures whose records
were flushed, see RotatingWarcWriter.sync), and the marker goes.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import zlib
from pathlib import Path

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
TORN_SUFFIX = ".torn"
_CHUNK = 1 << 20


def mark_open(path: Path) -> None:
    """Note that this process is writing `path`."""
    marker = path.with_name(path.name + OPEN_SUFFIX)
    marker.write_text(json.dumps({"host": socket.gethostname(), "pid": os.getpid()}))


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
    """True unless the marker names a process of this host that is gone."""
    try:
        owner = json.loads(marker.read_text())
        pid = int(owner["pid"])
        host = owner["host"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if host != socket.gethostname():
        return True  # another machine's writer on a shared folder: not ours to judge
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True  # alive (this very process included: it may hold another writer)


def torn_files(directory: Path) -> list[str]:
    """The files in `directory` that a killed writer left ending in a torn record (what the next
    writer will cut; `dodnews archive verify` reports them)."""
    torn = []
    for marker in sorted(directory.glob("*.warc.gz" + OPEN_SUFFIX)):
        path = marker.with_name(marker.name[: -len(OPEN_SUFFIX)])
        dead = not writer_alive(marker) and path.is_file()
        if dead and complete_length(path) < path.stat().st_size:
            torn.append(path.name)
    return torn


def repair_torn_files(directory: Path) -> list[str]:
    """Truncate the files killed writers left open in `directory`; returns their names."""
    repaired = []
    for marker in sorted(directory.glob("*.warc.gz" + OPEN_SUFFIX)):
        path = marker.with_name(marker.name[: -len(OPEN_SUFFIX)])
        if writer_alive(marker):
            continue
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
