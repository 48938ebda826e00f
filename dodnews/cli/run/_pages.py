"""Reading a saved page given on the command line: every failure is one UserError line."""

from __future__ import annotations

import os
import stat

from dodnews.errors import UserError
from dodnews.settings import DOWNLOAD_MAXSIZE

# A crawl stores no page larger than this (it is an error capture); the CLI reads none either.
MAX_PAGE_BYTES = DOWNLOAD_MAXSIZE


def read_page(path: str, limit: int = MAX_PAGE_BYTES) -> bytes:
    """The bytes of a saved page or feed: a regular text file of at most `limit` bytes."""
    try:
        # O_NONBLOCK: opening a FIFO nobody writes to would otherwise wait for ever, before any
        # check could run; on a regular file it changes nothing.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise UserError(f"{path}: is a directory, not a page")
        # /dev/zero never ends, a FIFO or socket may never answer: only files are pages.
        raise UserError(f"{path}: not a regular file (a device, FIFO or socket is no page)")
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(limit + 1)  # one byte more tells a file that grew past the limit
        except OSError as exc:
            raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > limit:
        raise UserError(
            f"{path}: larger than {limit // (1024 * 1024)} MB, the most a crawl stores "
            "(DOWNLOAD_MAXSIZE); not a page"
        )
    if not data.strip():
        raise UserError(f"{path}: the file is empty")
    if b"\x00" in data[:8192]:
        raise UserError(f"{path}: a binary file, not an HTML page")
    return data
